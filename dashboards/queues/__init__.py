"""The data-quality work queues: non-reporting villages, location conflicts, quarantined numbers,
pending registrations and alerts. Every action goes through a service verb and is recorded."""
