//! An incremental, bounded parser of `text/event-stream` (the WHATWG
//! server-sent events format), for MCP answers. Bytes arrive in arbitrary
//! pieces; complete events come out. Nothing grows past `cap`.

/// One dispatched event. `event` is empty for the default ("message") type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub event: String,
    pub data: String,
}

#[derive(Debug)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    event: String,
    data: String,
    /// The previous piece ended in CR: a LF starting the next one belongs to it.
    after_cr: bool,
    cap: usize,
}

/// The stream sent a line or an event larger than the cap.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

impl SseParser {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            line: Vec::new(),
            event: String::new(),
            data: String::new(),
            after_cr: false,
            cap,
        }
    }

    /// Feed bytes; returns the events they complete.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<Vec<Event>, Overflow> {
        let mut events = Vec::new();
        for &b in bytes {
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(e) = self.line_done(&line)? {
                        events.push(e);
                    }
                }
                _ => {
                    if self.line.len() >= self.cap {
                        return Err(Overflow);
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &[u8]) -> Result<Option<Event>, Overflow> {
        if line.is_empty() {
            // A blank line dispatches; an event without data is dropped.
            let event = std::mem::take(&mut self.event);
            if self.data.is_empty() {
                return Ok(None);
            }
            let mut data = std::mem::take(&mut self.data);
            if data.ends_with('\n') {
                data.pop();
            }
            return Ok(Some(Event { event, data }));
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        match field {
            "" => {} // a comment (": ping")
            "event" => self.event = value.to_string(),
            "data" => {
                if self.data.len() + value.len() + 1 > self.cap {
                    return Err(Overflow);
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            _ => {} // id, retry, unknown fields: not needed here
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let stream = b"event: endpoint\r\ndata: /messages/?session_id=ab\r\n\r\n: ping\n\nevent: message\ndata: {\"a\":\ndata: 1}\n\n";
        for split in 0..stream.len() {
            let mut p = SseParser::new(1024);
            let mut out = p.push(&stream[..split]).unwrap();
            out.extend(p.push(&stream[split..]).unwrap());
            assert_eq!(
                out,
                [
                    Event {
                        event: "endpoint".into(),
                        data: "/messages/?session_id=ab".into()
                    },
                    Event {
                        event: "message".into(),
                        data: "{\"a\":\n1}".into()
                    },
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn bare_cr_lines_and_fieldless_lines_work() {
        let mut p = SseParser::new(64);
        let out = p.push(b"data\rdata:x\r\r").unwrap();
        assert_eq!(out[0].data, "\nx");
    }

    #[test]
    fn oversized_lines_and_events_overflow() {
        let mut p = SseParser::new(16);
        assert_eq!(p.push(&[b'a'; 100]), Err(Overflow));
        let mut p = SseParser::new(16);
        assert_eq!(
            p.push(b"data: 0123456789\ndata: 0123456789\n"),
            Err(Overflow)
        );
        let mut p = SseParser::new(16);
        assert!(p.push(&[0xff, 0xfe, b'\n', b'\n', 0, b':', b'\n']).is_ok());
    }
}
