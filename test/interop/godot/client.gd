# Seed 002's minimal client (Godot 3 WebSocketClient) as a script that runs without a project:
# `godot3-server --no-window -s client.gd -- --url=ws://127.0.0.1:PORT [--protocols=a,b] [--timeout=S]`.
# The Godot 3 WebSocket tutorial's wiring and prints are kept (extends SceneTree instead of Node, _init() instead of
# _ready(), _idle() instead of _process(), the URL from the command line). Added for the interop
# tests: one "EVENT {json}" line per signal, an echo of every message (text stays text), a few
# commands sent by the server in text frames starting with "!", and a watchdog.
#   !send text|binary SIZE   send SIZE bytes of the shared test pattern
#   !close CODE REASON...    disconnect_from_host(CODE, REASON)
extends SceneTree

# The URL we will connect to
var websocket_url = "ws://127.0.0.1:9080"
var protocols = PoolStringArray(["lws-mirror-protocol"])
var timeout = 10.0
var elapsed = 0.0
var done = false

# Our WebSocketClient instance
var _client = WebSocketClient.new()


func _init():
	for arg in OS.get_cmdline_args():
		if arg.begins_with("--url="):
			websocket_url = arg.substr(6, arg.length())
		elif arg.begins_with("--protocols="):
			var list = arg.substr(12, arg.length())
			protocols = PoolStringArray() if list == "" else list.split(",")
		elif arg.begins_with("--timeout="):
			timeout = float(arg.substr(10, arg.length()))
	Engine.target_fps = 500
	var settings = ProjectSettings
	emit("start", {"url": websocket_url, "protocols": Array(protocols),
		"max_in_buffer_kb": settings.get_setting("network/limits/websocket_client/max_in_buffer_kb"),
		"version": Engine.get_version_info()["string"]})
	# Connect base signals to get notified of connection open, close, and errors.
	_client.connect("connection_closed", self, "_closed")
	_client.connect("connection_error", self, "_error")
	_client.connect("connection_established", self, "_connected")
	_client.connect("server_close_request", self, "_close_request")
	# This signal is emitted when not using the Multiplayer API every time
	# a full packet is received.
	_client.connect("data_received", self, "_on_data")
	# Initiate connection to the given URL.
	var err = _client.connect_to_url(websocket_url, protocols)
	if err != OK:
		print("Unable to connect")
		emit("connect_failed", {"error": err})
		end(1)


func _closed(was_clean = false):
	# was_clean will tell you if the disconnection was correctly notified
	# by the remote peer before closing the socket.
	print("Closed, clean: ", was_clean)
	emit("closed", {"clean": was_clean})
	end(0)


func _error():
	print("Closed, clean: ", false)
	emit("error", {})
	end(0)


func _close_request(code, reason):
	emit("close_request", {"code": code, "reason": reason})


func _connected(proto = ""):
	# This is called on connection, "proto" will be the selected WebSocket
	# sub-protocol (which is optional)
	print("Connected with protocol: ", proto)
	emit("open", {"protocol": proto, "host": _client.get_connected_host()})
	# You MUST always use get_peer(1).put_packet to send data to server,
	# and not put_packet directly when not using the MultiplayerAPI.
	_client.get_peer(1).put_packet("Test packet".to_utf8())


func _on_data():
	# Print the received packet, you MUST always use get_peer(1).get_packet
	# to receive data from server, and not get_packet directly when not
	# using the MultiplayerAPI.
	var peer = _client.get_peer(1)
	var pkt = peer.get_packet()
	var is_string = peer.was_string_packet()
	if pkt.size() <= 64:
		print("Got data from server: ", pkt.get_string_from_utf8())
	emit("data", describe(pkt, is_string))
	var text = pkt.get_string_from_utf8() if is_string else ""
	if text.begins_with("!"):
		command(text)
	else:
		# Echo, as the same kind of frame.
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
		emit("sent", {"string": is_string, "size": pkt.size(), "error": peer.put_packet(pkt)})


func command(text):
	var words = text.split(" ")
	var peer = _client.get_peer(1)
	if words[0] == "!send":
		var is_string = words[1] == "text"
		var data = pattern(int(words[2]), is_string)
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
		emit("sent", {"string": is_string, "size": data.size(), "error": peer.put_packet(data)})
	elif words[0] == "!close":
		var reason = text.substr(words[0].length() + words[1].length() + 2, text.length()) if words.size() > 2 else ""
		emit("closing", {"code": int(words[1]), "reason": reason})
		_client.disconnect_from_host(int(words[1]), reason)
	else:
		emit("unknown_command", {"text": text})


func _idle(delta):
	# Call this in _process or _physics_process. Data transfer, and signals
	# emission will only happen when calling this function.
	if done:
		return
	_client.poll()
	elapsed += delta
	if elapsed > timeout:
		emit("timeout", {"seconds": timeout})
		end(2)


# ---- shared with server.gd ----

func emit(event, fields):
	fields["event"] = event
	fields["t"] = OS.get_ticks_msec()
	print("EVENT " + to_json(fields))


func end(code):
	done = true
	quit(code)


# Text: "a".."z" repeated; binary: (i * 31 + 7) % 256 (the same in test/interop/harness.ts).
func pattern(size, is_string):
	var data = PoolByteArray()
	data.resize(size)
	for i in range(size):
		data[i] = (97 + i % 26) if is_string else ((i * 31 + 7) % 256)
	return data


func describe(pkt, is_string):
	var ctx = HashingContext.new()
	ctx.start(HashingContext.HASH_SHA256)
	if pkt.size() > 0:
		ctx.update(pkt)
	var fields = {"string": is_string, "size": pkt.size(), "sha256": ctx.finish().hex_encode()}
	if pkt.size() <= 256:
		fields["base64"] = Marshalls.raw_to_base64(pkt)
	return fields
