"""Creator intelligence: the library every function imports."""
