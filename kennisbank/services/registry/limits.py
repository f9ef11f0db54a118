"""How long each text of a project or lesson may be: one table for the forms and the import, so that
nothing enters through one door that the other would refuse (a 9 MB "Aanpak" could no longer be saved)."""
PROJECT = {"title": 200, "question": 5000, "municipality": 120, "organisation": 200, "department": 200,
           "goal": 5000, "approach": 20000, "partners": 2000, "funding": 2000, "area": 200, "team": 2000,
           "tags": 500, "links": 2000, "outcome": 5000}
LESSON = {"title": 200, "context": 5000, "what_happened": 5000, "lesson_learned": 5000, "advice": 5000,
          "transferability": 2000, "tags": 500}
