"""Tables, reports and files (no Qt): CSV export, report text, scenario files."""
