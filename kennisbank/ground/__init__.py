"""The ground floor: what every layer may use — domain errors, metric objects, log helpers, the municipality
list, uploaded-file types and Dutch wording. Imports nothing of kennisbank but config and extensions."""
