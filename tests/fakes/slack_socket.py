"""A fake Socket Mode endpoint: a minimal WebSocket server on 127.0.0.1.

Slack's apps.connections.open hands the bot a websocket URL; the fake Web API
hands out this server's `ws://` URL instead. It speaks just enough of RFC 6455
for slack_sdk's built-in client: the upgrade handshake, text frames both ways,
ping/pong and close. `push` sends an envelope as Slack would; `acks` are the
envelope acknowledgements the bot sent back.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._client: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._seen = threading.Condition()
        self.acks: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=fake"

    def stop(self) -> None:
        self._stopping = True
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
        self._listener.close()
        self._thread.join(timeout=5)

    # --- Slack's side -------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> str:
        """Send an envelope ("slash_commands", "interactive", "events_api"); its id."""
        if not self.connected.wait(timeout=10):
            raise AssertionError("the bot never connected over Socket Mode")
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        self._send_text(json.dumps(envelope))
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                found = next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for {envelope_id}; acks: {self.acks}")
                self._seen.wait(left)

    # --- the wire -----------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(None)
            if self._handshake(conn):
                self._client = conn
                self._send_text(json.dumps({"type": "hello", "num_connections": 1}))
                self.connected.set()
                self._read(conn)

    def _handshake(self, conn: socket.socket) -> bool:
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            raw += chunk
        headers = {}
        for line in raw.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        return True

    def _read(self, conn: socket.socket) -> None:
        try:
            while not self._stopping:
                head = _exactly(conn, 2)
                opcode, length = head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    length = struct.unpack(">H", _exactly(conn, 2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", _exactly(conn, 8))[0]
                mask = _exactly(conn, 4) if head[1] & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(_exactly(conn, length)))
                if opcode == 0x1:
                    with self._seen:
                        self.acks.append(json.loads(data))
                        self._seen.notify_all()
                elif opcode == 0x9:
                    self._send_frame(0xA, data)
                elif opcode == 0x8:
                    return
        except (ConnectionError, OSError):
            return

    def _send_text(self, text: str) -> None:
        self._send_frame(0x1, text.encode("utf-8"))

    def _send_frame(self, opcode: int, data: bytes) -> None:
        size = len(data)
        if size < 126:
            head = struct.pack(">BB", 0x80 | opcode, size)
        elif size < 65536:
            head = struct.pack(">BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack(">BBQ", 0x80 | opcode, 127, size)
        assert self._client is not None
        with self._send_lock:
            self._client.sendall(head + data)


def _exactly(conn: socket.socket, count: int) -> bytes:
    out = b""
    while len(out) < count:
        chunk = conn.recv(count - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out
