"""The data model, typed SQLAlchemy 2.0; one module per area."""
from .accounts import AccessToken, AccountStatus, Availability, AvailabilityException, Role, School, TeacherProfile, User
from .planning import (Assignment, Closure, LiveSession, LiveStatus, MatchingRun, Notification, Rating, RequestStatus,
                       RequestWindow, RunStatus, SessionRequest)
from .rooms import (AttendanceInterval, BoardStroke, ChatMessage, LessonRecording, Participant, Poll, PollAnswer,
                    RoomServer, SlideDeck, SlidePage)

__all__ = [
    "AccessToken", "AccountStatus", "Assignment", "AttendanceInterval", "Availability", "AvailabilityException", "BoardStroke",
    "ChatMessage", "Closure", "LessonRecording", "Poll", "PollAnswer", "SlideDeck", "SlidePage",
    "LiveSession", "LiveStatus", "MatchingRun", "Notification", "Participant", "Rating", "RequestStatus",
    "RequestWindow", "Role", "RoomServer", "RunStatus", "School", "SessionRequest", "TeacherProfile", "User",
]
