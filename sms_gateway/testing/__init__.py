"""Test doubles and harnesses for the channel, importable by tests, benchmarks and the demo.

- `fake_africastalking.FakeAfricasTalking`: Africa's Talking's HTTP API on a local port.
- `worker.CeleryWorker`: a real `celery -A evillage worker` in a subprocess, pointed where a test says.
"""
