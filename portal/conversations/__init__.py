"""Conversations on tasks: the manager of a need and its assigned volunteers write to each other
on the need's page; earlier members keep reading what was said while they were assigned."""
