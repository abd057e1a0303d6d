"""What a session leaves behind: the headless report, JSON, CSV, Chrome trace."""
