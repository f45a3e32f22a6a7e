"""Reads of the acceptance domain, named for the question they answer."""
