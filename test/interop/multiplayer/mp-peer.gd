# A Godot 3 multiplayer peer for rxpeer's interop tests, run headless:
#   godot3-server --no-window -s mp-peer.gd -- server <first-port> [tries]
#   godot3-server --no-window -s mp-peer.gd -- client <url>
# WebSocketServer.listen(port, [], true) / WebSocketClient.connect_to_url(url, [], true): Godot 3's
# NetworkedMultiplayerPeer over its multiplayer wire protocol. Everything it sees goes to stdout,
# one line each; packets it receives can be commands:
#   "send <target> <text>"  set_target_peer(target) then put_packet(text)
#   "quit"                  exit
# It also exits on its own after DEADLINE seconds, so a broken test never leaves it running.
extends SceneTree

const DEADLINE = 30.0

var peer = null
var elapsed = 0.0
var done = false


func say(line):
	print(line)


func _init():
	var args = OS.get_cmdline_args()
	var user = []
	var seen = false
	for arg in args:
		if seen:
			user.append(arg)
		elif arg == "--":
			seen = true
	if user.size() < 2:
		say("ERROR usage: server <port> [tries] | client <url>")
		quit(2)
		return
	if user[0] == "server":
		start_server(int(user[1]), int(user[2]) if user.size() > 2 else 50)
	else:
		start_client(user[1])


func start_server(first_port, tries):
	peer = WebSocketServer.new()
	for port in range(first_port, first_port + tries):
		var err = peer.listen(port, PoolStringArray(), true)
		if err == OK:
			say("LISTENING %d" % port)
			connect_signals()
			return
		peer = WebSocketServer.new()
	say("ERROR no free port from %d" % first_port)
	quit(1)


func start_client(url):
	peer = WebSocketClient.new()
	connect_signals()
	var err = peer.connect_to_url(url, PoolStringArray(), true)
	if err != OK:
		say("ERROR connect_to_url %d" % err)
		quit(1)
		return
	say("CONNECTING %s" % url)


func connect_signals():
	peer.connect("peer_connected", self, "_on_peer_connected")
	peer.connect("peer_disconnected", self, "_on_peer_disconnected")
	peer.connect("connection_succeeded", self, "_on_connection_succeeded")
	peer.connect("connection_failed", self, "_on_connection_failed")
	peer.connect("server_disconnected", self, "_on_server_disconnected")


func _on_peer_connected(id):
	say("PEER_CONNECTED %d" % id)


func _on_peer_disconnected(id):
	say("PEER_DISCONNECTED %d" % id)


func _on_connection_succeeded():
	say("CONNECTED %d" % peer.get_unique_id())


func _on_connection_failed():
	say("CONNECTION_FAILED")


func _on_server_disconnected():
	say("SERVER_DISCONNECTED")


func _idle(delta):
	if done:
		return false
	elapsed += delta
	if elapsed > DEADLINE:
		say("ERROR deadline")
		end_run(3)
		return false
	peer.poll()
	while peer != null and peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var text = peer.get_packet().get_string_from_utf8()
		say("PACKET %d %s" % [from, text])
		run(text)
	return false


func run(command):
	var words = command.split(" ", false, 2)
	if words.size() == 0:
		return
	if words[0] == "send" and words.size() == 3:
		peer.set_target_peer(int(words[1]))
		var err = peer.put_packet(words[2].to_utf8())
		say("SENT %s %d" % [words[1], err])
	elif words[0] == "quit":
		end_run(0)


func end_run(code):
	done = true
	if peer is WebSocketServer:
		peer.stop()
	else:
		peer.disconnect_from_host()
	say("BYE")
	quit(code)
