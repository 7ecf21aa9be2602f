"""The bylines wing: the registry of news agencies (package data) and the recogniser of credits and datelines."""
