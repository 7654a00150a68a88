"""SMS providers: the kinds of gateway a configured SmsGateway talks to (Kannel, SMPP, HTTP…)."""
