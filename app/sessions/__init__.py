"""Live class sessions: a teacher's race on every student's device, predictions pooled on
the projector, students' own tries ranked. model (pure), limits, store, hub (memory and
streams), summary (the teacher's results); the REST surface is app/routers/sessions.py."""

from app.sessions.hub import Refused, SessionHub

__all__ = ["Refused", "SessionHub"]
