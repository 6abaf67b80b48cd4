//! The pickle walker: a stack machine that follows every opcode of protocols
//! 0–5 the way `pickle.Unpickler` does, but builds placeholders instead of
//! objects and calls nothing. What it reports are the imports (GLOBAL,
//! STACK_GLOBAL, INST), extension-registry lookups and persistent ids.
use std::rc::Rc;

use super::memo::Memo;
use super::value::{Global, Value, DICT_KEEP};
use crate::bytes::Cursor;
use crate::Limits;

/// Something the walker saw that the scanner must judge.
#[derive(Debug, Clone)]
pub enum Event {
    /// `module.name` imported by `opcode` at byte `offset` (of the pickle data).
    Import {
        module: String,
        name: String,
        offset: usize,
        opcode: &'static str,
    },
    /// STACK_GLOBAL with a module or name computed at load time.
    Unresolved { offset: usize, detail: String },
    /// EXT1/EXT2/EXT4: a global from the copyreg extension registry.
    Extension { offset: usize, code: u32 },
}

/// Why walking stopped early: the unpickler would have failed here too, or
/// a limit was hit.
#[derive(Debug, Clone)]
pub struct Fault {
    pub offset: usize,
    pub reason: String,
}

pub(super) type Step<T = ()> = Result<T, Fault>;

pub struct Machine<'a, 'l> {
    pub(super) cur: Cursor<'a>,
    limits: &'l Limits,
    pub(super) stack: Vec<Value>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: Memo,
    /// Opcodes walked so far, across every pickle in the stream.
    pub ops: u64,
    pub events: Vec<Event>,
    pub persistent_ids: u64,
    pub(super) op_start: usize,
    /// joblib object arrays nest whole pickles; bound the recursion.
    pub(super) nested: u32,
}

impl<'a, 'l> Machine<'a, 'l> {
    pub fn new(data: &'a [u8], start: usize, limits: &'l Limits) -> Self {
        Self {
            cur: Cursor::at(data, start),
            limits,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            ops: 0,
            events: Vec::new(),
            persistent_ids: 0,
            op_start: start,
            nested: 0,
        }
    }

    pub fn pos(&self) -> usize {
        self.cur.pos()
    }

    pub fn at_end(&self) -> bool {
        self.cur.is_empty()
    }

    pub fn peek(&self) -> Option<u8> {
        self.cur.peek()
    }

    pub(super) fn fault(&self, reason: impl Into<String>) -> Fault {
        Fault {
            offset: self.op_start,
            reason: reason.into(),
        }
    }

    fn push(&mut self, v: Value) -> Step {
        if self.stack.len() >= self.limits.max_stack {
            return Err(self.fault("stack limit exceeded"));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self) -> Step<Value> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.fault("stack underflow"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.fault("stack underflow"))
    }

    fn top(&mut self) -> Step<&mut Value> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.fault("stack underflow"));
        }
        let at = self.op_start;
        self.stack.last_mut().ok_or(Fault {
            offset: at,
            reason: "stack underflow".into(),
        })
    }

    fn pop_mark(&mut self) -> Step<Vec<Value>> {
        let mark = self.marks.pop().ok_or_else(|| self.fault("no MARK"))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn memo_put(&mut self, key: u64) -> Step {
        let v = self
            .stack
            .last()
            .cloned()
            .ok_or_else(|| self.fault("PUT on empty stack"))?;
        if !self.memo.put(key, v, self.limits.max_memo) {
            return Err(self.fault("memo limit exceeded"));
        }
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Step {
        let v = self
            .memo
            .get(key)
            .cloned()
            .ok_or_else(|| self.fault(format!("memo key {key} missing")))?;
        self.push(v)
    }

    pub(super) fn text_line(&mut self) -> Step<String> {
        let raw = need(self.op_start, self.cur.line())?;
        Ok(String::from_utf8_lossy(raw).into_owned())
    }

    pub(super) fn sized(&mut self, len: u64) -> Step<&'a [u8]> {
        let Some(b) = self.cur.take(len) else {
            return Err(self.fault(format!("length {len} runs past the end")));
        };
        Ok(b)
    }

    fn import(&mut self, module: String, name: String, opcode: &'static str) -> Value {
        self.events.push(Event::Import {
            module: module.clone(),
            name: name.clone(),
            offset: self.op_start,
            opcode,
        });
        Value::Global(Rc::new(Global { module, name }))
    }

    fn call(callee: Value, args: Value) -> Value {
        Value::Call(Rc::new((callee, args)))
    }

    /// Walk one pickle up to and including its STOP; returns the top value.
    pub fn run_one(&mut self) -> Step<Value> {
        // A fresh pickle starts with a fresh stack and memo, as each
        // `pickle.load` call does.
        self.stack.clear();
        self.marks.clear();
        self.memo.clear();
        loop {
            if let Some(v) = self.step()? {
                return Ok(v);
            }
        }
    }

    /// One opcode; `Some` at STOP.
    fn step(&mut self) -> Step<Option<Value>> {
        self.ops += 1;
        if self.ops > self.limits.max_opcodes {
            return Err(self.fault("opcode limit exceeded"));
        }
        self.op_start = self.cur.pos();
        let op = need(self.op_start, self.cur.u8())?;
        match op {
            b'.' => return self.pop().map(Some),
            0x80 => {
                let proto = need(self.op_start, self.cur.u8())?;
                if proto > 5 {
                    return Err(self.fault(format!("unsupported protocol {proto}")));
                }
            }
            0x95 => {
                // FRAME only groups opcodes for buffering; check and go on.
                let len = need(self.op_start, self.cur.u64_le())?;
                if len > self.cur.remaining() as u64 {
                    return Err(self.fault("FRAME runs past the end"));
                }
            }
            b'(' => {
                if self.marks.len() >= self.limits.max_stack {
                    return Err(self.fault("MARK limit exceeded"));
                }
                self.marks.push(self.stack.len());
            }
            b'0' => {
                // POP discards the top item, or the topmost mark when the
                // stack above it is empty (as CPython does).
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() > floor {
                    self.stack.pop();
                } else if self.marks.pop().is_none() {
                    return Err(self.fault("stack underflow"));
                }
            }
            b'1' => {
                self.pop_mark()?;
            }
            b'2' => {
                let v = self.top()?.clone();
                self.push(v)?;
            }
            b'N' | 0x88 | 0x89 | b'I' | b'L' | b'F' | b'J' | b'K' | b'M' | 0x8a | 0x8b | b'G'
            | b'S' | b'V' | b'T' | b'X' | b'B' | b'U' | b'C' | 0x8c | 0x8d | 0x8e | 0x96 => {
                let v = self.scalar(op)?;
                self.push(v)?;
            }
            b')' => self.push(Value::Tuple(Rc::from(Vec::new())))?,
            b']' | 0x8f => self.push(Value::Other)?,
            b'}' => self.push(Value::Dict(Rc::new(Vec::new())))?,
            b't' => {
                let items = self.pop_mark()?;
                self.push(Value::Tuple(items.into()))?;
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() < floor + n {
                    return Err(self.fault("stack underflow"));
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push(Value::Tuple(items.into()))?;
            }
            b'l' | 0x91 => {
                self.pop_mark()?;
                self.push(Value::Other)?;
            }
            b'd' => {
                let items = self.pop_mark()?;
                let mut dict = Vec::new();
                pairs_into(&mut dict, items);
                self.push(Value::Dict(Rc::new(dict)))?;
            }
            b'a' => {
                self.pop()?;
                self.top()?;
            }
            b'e' | 0x90 => {
                self.pop_mark()?;
                self.top()?;
            }
            b's' => {
                let v = self.pop()?;
                let k = self.pop()?;
                if let Value::Dict(d) = self.top()? {
                    pairs_into(Rc::make_mut(d), vec![k, v]);
                }
            }
            b'u' => {
                let items = self.pop_mark()?;
                if let Value::Dict(d) = self.top()? {
                    pairs_into(Rc::make_mut(d), items);
                }
            }
            b'p' => {
                let line = self.text_line()?;
                let key = line.trim().parse().map_err(|_| self.fault("bad PUT key"))?;
                self.memo_put(key)?;
            }
            b'q' => {
                let key = need(self.op_start, self.cur.u8())?;
                self.memo_put(key.into())?;
            }
            b'r' => {
                let key = need(self.op_start, self.cur.u32_le())?;
                self.memo_put(key.into())?;
            }
            0x94 => {
                let key = self.memo.next_key();
                self.memo_put(key)?;
            }
            b'g' => {
                let line = self.text_line()?;
                let key = line.trim().parse().map_err(|_| self.fault("bad GET key"))?;
                self.memo_get(key)?;
            }
            b'h' => {
                let key = need(self.op_start, self.cur.u8())?;
                self.memo_get(key.into())?;
            }
            b'j' => {
                let key = need(self.op_start, self.cur.u32_le())?;
                self.memo_get(key.into())?;
            }
            b'c' => {
                let module = self.text_line()?;
                let name = self.text_line()?;
                let g = self.import(module, name, "GLOBAL");
                self.push(g)?;
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                let g = match (module.as_str(), name.as_str()) {
                    (Some(m), Some(n)) => self.import(m.to_string(), n.to_string(), "STACK_GLOBAL"),
                    _ if module.is_call() || name.is_call() => {
                        self.events.push(Event::Unresolved {
                            offset: self.op_start,
                            detail: format!("{} . {}", describe(&module), describe(&name)),
                        });
                        Value::Other
                    }
                    _ => return Err(self.fault("STACK_GLOBAL requires str")),
                };
                self.push(g)?;
            }
            b'i' => {
                let module = self.text_line()?;
                let name = self.text_line()?;
                let args = self.pop_mark()?;
                let g = self.import(module, name, "INST");
                self.push(Self::call(g, Value::Tuple(args.into())))?;
            }
            b'o' => {
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err(self.fault("OBJ without a class"));
                }
                let cls = items.remove(0);
                self.push(Self::call(cls, Value::Tuple(items.into())))?;
            }
            b'R' | 0x81 => {
                let args = self.pop()?;
                let callee = self.pop()?;
                self.push(Self::call(callee, args))?;
            }
            0x92 => {
                self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                self.push(Self::call(cls, args))?;
            }
            b'b' => {
                let state = self.pop()?;
                let obj = self.top()?.clone();
                self.after_build(&obj, &state)?;
            }
            0x82..=0x84 => {
                let code = match op {
                    0x82 => need(self.op_start, self.cur.u8())?.into(),
                    0x83 => need(self.op_start, self.cur.u16_le())?.into(),
                    _ => need(self.op_start, self.cur.u32_le())?,
                };
                self.events.push(Event::Extension {
                    offset: self.op_start,
                    code,
                });
                self.push(Value::Other)?;
            }
            b'P' => {
                need(self.op_start, self.cur.line())?;
                self.persistent_ids += 1;
                self.push(Value::PersistentId)?;
            }
            b'Q' => {
                self.pop()?;
                self.persistent_ids += 1;
                self.push(Value::PersistentId)?;
            }
            0x97 => self.push(Value::Other)?,
            0x98 => {
                self.top()?;
            }
            other => return Err(self.fault(format!("invalid opcode 0x{other:02x}"))),
        }
        Ok(None)
    }
}

pub(super) fn need<T>(at: usize, v: Option<T>) -> Step<T> {
    v.ok_or_else(|| Fault {
        offset: at,
        reason: "truncated".into(),
    })
}

fn pairs_into(dict: &mut Vec<(Value, Value)>, items: Vec<Value>) {
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        if dict.len() < DICT_KEEP {
            dict.push((k, v));
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        Value::Call(call) => match &call.0 {
            Value::Global(g) => format!("<result of {}.{}>", g.module, g.name),
            _ => "<computed>".into(),
        },
        _ => "<value>".into(),
    }
}
