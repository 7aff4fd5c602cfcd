// Facts about Istio and common workloads that several checks share.

/**
 * Ports whose usual protocol is not HTTP. Istio drops ALLOW rules with HTTP-only fields on TCP
 * ports and ignores those fields in DENY rules there; without a Service's protocol, these ports
 * are the one hint a check has.
 */
export const WELL_KNOWN_TCP_PORTS: Readonly<Record<string, string>> = {
  '1433': 'SQL Server',
  '1521': 'Oracle Database',
  '2181': 'ZooKeeper',
  '3306': 'MySQL',
  '4222': 'NATS',
  '5432': 'PostgreSQL',
  '5672': 'AMQP',
  '6379': 'Redis',
  '9042': 'Cassandra',
  '9092': 'Kafka',
  '11211': 'memcached',
  '27017': 'MongoDB',
};
