"""The two gates: the voortoets ("Wat is er al eerder gedaan?") before a project starts, and the closure
gate (outcome and lessons) before it ends."""
