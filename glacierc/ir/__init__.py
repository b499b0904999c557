"""The typed intermediate representation shared by every pass and backend."""
