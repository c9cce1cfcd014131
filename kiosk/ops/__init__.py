"""Running the terminal as a service: the service manager's readiness and watchdog protocol."""
