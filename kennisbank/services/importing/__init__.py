"""Import of projects and lessons from spreadsheets (XLSX, ODS, CSV, JSON)."""
