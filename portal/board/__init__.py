"""The volunteers' task board: finding needs, claiming, reporting back, hours."""
