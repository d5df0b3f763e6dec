"""Scheduling: the pure SM-2 step and the calendar arithmetic around it."""
