"""Concessions: the student and reduced fare categories a person holds with a carrier."""
