// Integration tests wait on real processes (a Fabric channel, a Kafka consumer group), so their
// per-test limit is minutes, not jest's default 5 s. (testTimeout is not honoured per project.)
jest.setTimeout(300000);
