"""E-mail through an outbox: services queue, `flask outbox send` delivers."""
