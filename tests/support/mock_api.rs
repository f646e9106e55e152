//! A loopback mock of the Anthropic Messages API, enough to drive the real Claude Code offline:
//! the task is answered with a scripted sequence of `tool_use` calls, one per turn (the Nth turn
//! carries N-1 `tool_result`s), then with a short text. Side requests (no tools: titles, summaries) get a short text too. Every
//! request body is recorded, so a test can wait for what the CLI really sent.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use super::DEADLINE;

type Requests = Arc<(Mutex<Vec<Value>>, Condvar)>;

pub struct MockApi {
    pub port: u16,
    requests: Requests,
}

impl MockApi {
    /// Starts serving on 127.0.0.1 (a free port); the model makes `calls` — (tool name, input) —
    /// one per turn.
    pub fn start(calls: &[(&str, Value)]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Requests = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let recorded = Arc::clone(&requests);
        let calls: Arc<Vec<Value>> = Arc::new(
            calls
                .iter()
                .map(|(name, input)| json!({"name": name, "input": input}))
                .collect(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorded = Arc::clone(&recorded);
                let calls = Arc::clone(&calls);
                std::thread::spawn(move || {
                    let _ = serve(stream, &recorded, &calls);
                });
            }
        });
        Self { port, requests }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until a recorded request satisfies `check`; panics at the deadline.
    pub fn wait_for(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        let (lock, cond) = &*self.requests;
        let mut seen = lock.lock().unwrap();
        loop {
            if let Some(found) = seen.iter().find(|r| check(r)) {
                return found.clone();
            }
            let now = Instant::now();
            assert!(now < deadline, "the mock API never received {what}");
            seen = cond.wait_timeout(seen, deadline - now).unwrap().0;
        }
    }

    /// Waits for the result of tool call number `turn` to arrive; returns that block.
    pub fn tool_result(&self, turn: usize) -> Value {
        let id = format!("toolu_mock_{turn}");
        let request = self.wait_for(&format!("the tool_result of {id}"), |r| {
            tool_results(r).any(|b| b["tool_use_id"] == id.as_str())
        });
        tool_results(&request)
            .find(|b| b["tool_use_id"] == id.as_str())
            .unwrap()
            .clone()
    }

    /// Whether any request so far carried a `tool_result`.
    pub fn saw_tool_result(&self) -> bool {
        self.requests
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|r| tool_results(r).next().is_some())
    }
}

pub fn tool_results(request: &Value) -> impl Iterator<Item = &Value> {
    request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_array())
        .flatten()
        .filter(|block| block["type"] == "tool_result")
}

fn serve(stream: TcpStream, recorded: &Requests, calls: &[Value]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)?
    } else {
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        body
    };
    let is_messages = request_line.starts_with("POST ") && request_line.contains("/v1/messages");
    if !is_messages || request_line.contains("count_tokens") {
        let reply = if request_line.contains("count_tokens") {
            r#"{"input_tokens":10}"#
        } else {
            "{}"
        };
        return write!(
            out,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let main_loop = request["tools"].as_array().is_some_and(|t| !t.is_empty());
    let turn = tool_results(&request).count();
    let events = match calls.get(turn).filter(|_| main_loop) {
        Some(call) => stream_events(Some((turn, call)), "I'll do that now."),
        None => stream_events(None, "done"),
    };
    {
        let (lock, cond) = &**recorded;
        lock.lock().unwrap().push(request);
        cond.notify_all();
    }
    write!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n{events}"
    )?;
    out.flush()
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let mut chunk = vec![0u8; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// A streamed assistant message: some text, then optionally the `turn`th tool call.
fn stream_events(tool_use: Option<(usize, &Value)>, text: &str) -> String {
    let mut events = vec![
        json!({"type": "message_start", "message": {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": "claude-mock",
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
        json!({"type": "content_block_stop", "index": 0}),
    ];
    let stop = if let Some((turn, tool)) = tool_use {
        let id = format!("toolu_mock_{turn}");
        events.push(
            json!({"type": "content_block_start", "index": 1, "content_block": {
            "type": "tool_use", "id": id, "name": tool["name"], "input": {}}}),
        );
        events.push(json!({"type": "content_block_delta", "index": 1, "delta": {
            "type": "input_json_delta", "partial_json": tool["input"].to_string()}}));
        events.push(json!({"type": "content_block_stop", "index": 1}));
        "tool_use"
    } else {
        "end_turn"
    };
    events.push(
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
        "usage": {"output_tokens": 20}}),
    );
    events.push(json!({"type": "message_stop"}));
    let mut stream = String::new();
    for e in &events {
        let _ = write!(
            stream,
            "event: {}\ndata: {e}\n\n",
            e["type"].as_str().unwrap()
        );
    }
    stream
}
