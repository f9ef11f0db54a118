"""What pages, mails and files report: /mijn and the theme dashboards, the weekly digest, the start page,
charts, and lists as CSV/XLSX/JSON."""
