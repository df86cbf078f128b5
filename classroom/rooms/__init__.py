"""Live rooms: joining by code, the room page, attendance reports."""
