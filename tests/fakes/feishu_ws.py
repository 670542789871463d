"""A fake of Feishu's long-connection gateway: the endpoint lark.ws.Client asks for, and
a WebSocket that pushes event frames (protobuf, as Feishu frames them) and records answers."""

from __future__ import annotations

import base64
import itertools
import json
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from websockets.sync.server import Server, ServerConnection, serve

DATA, CONTROL = 1, 0


@dataclass
class FakeGateway:
    pushes: queue.Queue[bytes] = field(default_factory=queue.Queue)
    answers: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    connected: threading.Event = field(default_factory=threading.Event)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: Server | None = None

    def start(self) -> FakeGateway:
        self._server = serve(self._session, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/ws?device_id=fake-device&service_id=7"

    def push(self, payload: dict[str, Any]) -> None:
        """Send one event (or card callback) down the connection."""
        self.pushes.put(json.dumps(payload).encode())

    def answer(self, timeout: float = 10.0) -> dict[str, Any]:
        """The client's answer to the next pushed event: its code and decoded data."""
        return self.answers.get(timeout=timeout)

    def _session(self, connection: ServerConnection) -> None:
        self.connected.set()
        while True:
            try:
                payload = self.pushes.get(timeout=0.05)
            except queue.Empty:
                payload = None
            if payload is not None:
                connection.send(self._frame(payload).SerializeToString())
            try:
                raw = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            frame = Frame()
            frame.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
            if frame.method != DATA:
                continue  # pings
            response = json.loads(frame.payload)
            data = response.get("data")
            decoded = json.loads(base64.b64decode(data)) if data else None
            self.answers.put({"code": response.get("code"), "data": decoded})

    def _frame(self, payload: bytes) -> Frame:
        frame = Frame()
        frame.SeqID = next(self._ids)
        frame.LogID = 0
        frame.service = 7
        frame.method = DATA
        for key, value in (
            ("type", "event"),
            ("message_id", f"msg_{frame.SeqID}"),
            ("trace_id", f"trace_{frame.SeqID}"),
            ("sum", "1"),
            ("seq", "0"),
        ):
            header = frame.headers.add()
            header.key, header.value = key, value
        frame.payload = payload
        return frame
