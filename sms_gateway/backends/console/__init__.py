"""The console backend: for a developer's machine and the demo, nothing leaves the computer."""
