//! The pickle memo. Picklers number entries densely from 0 (MEMOIZE always
//! does), so a vector holds them at 24 bytes each; keys a hand-written
//! pickle scatters go to a map. Either way the entry count is capped.
use std::collections::HashMap;

use super::value::Value;

#[derive(Debug, Default)]
pub struct Memo {
    dense: Vec<Value>,
    sparse: HashMap<u64, Value>,
}

impl Memo {
    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
    }

    /// The key MEMOIZE uses: the number of entries so far.
    pub fn next_key(&self) -> u64 {
        (self.dense.len() + self.sparse.len()) as u64
    }

    /// Store `v` under `key`; `false` when that would pass `max` entries.
    pub fn put(&mut self, key: u64, v: Value, max: usize) -> bool {
        let len = self.dense.len() as u64;
        if key < len {
            self.dense[key as usize] = v;
            return true;
        }
        if self.dense.len() + self.sparse.len() >= max && !self.sparse.contains_key(&key) {
            return false;
        }
        if key == len {
            self.dense.push(v);
        } else {
            self.sparse.insert(key, v);
        }
        true
    }

    pub fn get(&self, key: u64) -> Option<&Value> {
        usize::try_from(key)
            .ok()
            .and_then(|k| self.dense.get(k))
            .or_else(|| self.sparse.get(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_scattered_keys_and_the_cap() {
        let mut m = Memo::default();
        assert!(m.put(0, Value::Int(0), 3));
        assert!(m.put(1, Value::Int(1), 3));
        assert!(m.put(4_000_000_000, Value::Int(2), 3));
        assert!(!m.put(2, Value::Int(3), 3), "a fourth entry passes the cap");
        assert!(m.put(1, Value::Int(9), 3), "overwriting is always allowed");
        assert_eq!(m.get(1).and_then(Value::as_int), Some(9));
        assert_eq!(m.get(4_000_000_000).and_then(Value::as_int), Some(2));
        assert!(m.get(2).is_none());
        assert_eq!(m.next_key(), 3);
    }
}
