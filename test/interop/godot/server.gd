# Seed 002's minimal server (Godot 3 WebSocketServer) as a script that runs without a project:
# `godot3-server --no-window -s server.gd -- --port=N [--protocols=a,b] [--timeout=S]`.
# The Godot 3 WebSocket tutorial's wiring, echo and prints are kept (extends SceneTree instead of Node, _init() instead
# of _ready(), _idle() instead of _process(), the port from the command line). Added for the
# interop tests: one "EVENT {json}" line per signal, the echo keeps text as text (the tutorial's
# put_packet echoes everything as binary), a few commands sent by clients in text frames
# starting with "!", and a watchdog (the server quits after --timeout seconds).
#   !send text|binary SIZE   send SIZE bytes of the shared test pattern to that client
#   !close CODE REASON...    disconnect_peer(id, CODE, REASON)
extends SceneTree

# The port we will listen to
var PORT = 9080
var protocols = PoolStringArray()
var timeout = 60.0
var elapsed = 0.0
var done = false

# Our WebSocketServer instance
var _server = WebSocketServer.new()


func _init():
	for arg in OS.get_cmdline_args():
		if arg.begins_with("--port="):
			PORT = int(arg.substr(7, arg.length()))
		elif arg.begins_with("--protocols="):
			var list = arg.substr(12, arg.length())
			protocols = PoolStringArray() if list == "" else list.split(",")
		elif arg.begins_with("--timeout="):
			timeout = float(arg.substr(10, arg.length()))
	Engine.target_fps = 500
	_server.bind_ip = "127.0.0.1"
	emit("start", {"port": PORT, "protocols": Array(protocols),
		"max_in_buffer_kb": ProjectSettings.get_setting("network/limits/websocket_server/max_in_buffer_kb"),
		"version": Engine.get_version_info()["string"]})
	# Connect base signals to get notified of new client connections,
	# disconnections, and disconnect requests.
	_server.connect("client_connected", self, "_connected")
	_server.connect("client_disconnected", self, "_disconnected")
	_server.connect("client_close_request", self, "_close_request")
	# This signal is emitted when not using the Multiplayer API every time a
	# full packet is received.
	_server.connect("data_received", self, "_on_data")
	# Start listening on the given port.
	var err = _server.listen(PORT, protocols)
	if err != OK:
		print("Unable to start server")
		emit("listen_failed", {"error": err})
		end(1)
	else:
		emit("listening", {"port": PORT})


func _connected(id, proto):
	# This is called when a new peer connects, "id" will be the assigned peer id,
	# "proto" will be the selected WebSocket sub-protocol (which is optional)
	print("Client %d connected with protocol: %s" % [id, proto])
	emit("connected", {"id": id, "protocol": proto, "address": _server.get_peer_address(id)})


func _close_request(id, code, reason):
	# This is called when a client notifies that it wishes to close the connection,
	# providing a reason string and close code.
	print("Client %d disconnecting with code: %d, reason: %s" % [id, code, reason])
	emit("close_request", {"id": id, "code": code, "reason": reason})


func _disconnected(id, was_clean = false):
	# This is called when a client disconnects, "id" will be the one of the
	# disconnecting client, "was_clean" will tell you if the disconnection
	# was correctly notified by the remote peer before closing the socket.
	print("Client %d disconnected, clean: %s" % [id, str(was_clean)])
	emit("disconnected", {"id": id, "clean": was_clean})


func _on_data(id):
	# Print the received packet, you MUST always use get_peer(id).get_packet to receive data,
	# and not get_packet directly when not using the MultiplayerAPI.
	var peer = _server.get_peer(id)
	var pkt = peer.get_packet()
	var is_string = peer.was_string_packet()
	if pkt.size() <= 64:
		print("Got data from client %d: %s ... echoing" % [id, pkt.get_string_from_utf8()])
	var fields = describe(pkt, is_string)
	fields["id"] = id
	emit("data", fields)
	var text = pkt.get_string_from_utf8() if is_string else ""
	if text.begins_with("!"):
		command(id, text)
	else:
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
		emit("sent", {"id": id, "string": is_string, "size": pkt.size(), "error": peer.put_packet(pkt)})


func command(id, text):
	var words = text.split(" ")
	var peer = _server.get_peer(id)
	if words[0] == "!send":
		var is_string = words[1] == "text"
		var data = pattern(int(words[2]), is_string)
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
		emit("sent", {"id": id, "string": is_string, "size": data.size(), "error": peer.put_packet(data)})
	elif words[0] == "!close":
		var reason = text.substr(words[0].length() + words[1].length() + 2, text.length()) if words.size() > 2 else ""
		emit("closing", {"id": id, "code": int(words[1]), "reason": reason})
		_server.disconnect_peer(id, int(words[1]), reason)
	else:
		emit("unknown_command", {"id": id, "text": text})


func _idle(delta):
	# Call this in _process or _physics_process.
	# Data transfer, and signals emission will only happen when calling this function.
	if done:
		return
	_server.poll()
	elapsed += delta
	if elapsed > timeout:
		emit("timeout", {"seconds": timeout})
		_server.stop()
		end(2)


# ---- shared with client.gd ----

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
