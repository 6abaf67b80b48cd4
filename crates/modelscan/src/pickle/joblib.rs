//! joblib's extension of the pickle stream: NumPy arrays written straight
//! into it after each `NumpyArrayWrapper` object. The walker steps over the
//! raw bytes as joblib's unpickler reads them, and walks the nested pickle
//! that an object array is.
use super::machine::{need, Machine, Step};
use super::value::Value;

impl Machine<'_, '_> {
    /// joblib writes NumPy array bytes straight into the pickle stream after
    /// each `NumpyArrayWrapper` is built; step over them as joblib's
    /// unpickler reads them, or walk the nested pickle of an object array.
    pub(super) fn after_build(&mut self, obj: &Value, state: &Value) -> Step {
        let Some(g) = obj.callee() else {
            return Ok(());
        };
        if g.module != "joblib.numpy_pickle" || g.name != "NumpyArrayWrapper" {
            return Ok(());
        }
        let dtype = state
            .get("dtype")
            .and_then(|d| d.call_args())
            .and_then(Value::tuple)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .ok_or_else(|| self.fault("joblib array without a dtype"))?
            .to_string();
        if dtype
            .trim_start_matches(['|', '<', '>', '='])
            .starts_with('O')
        {
            // Object arrays are a whole pickle of their own, inline.
            if self.nested >= 8 {
                return Err(self.fault("joblib arrays nested too deep"));
            }
            let saved = (
                std::mem::take(&mut self.stack),
                std::mem::take(&mut self.marks),
                std::mem::take(&mut self.memo),
            );
            self.nested += 1;
            let inner = self.run_one();
            self.nested -= 1;
            inner?;
            (self.stack, self.marks, self.memo) = saved;
            return Ok(());
        }
        let itemsize =
            dtype_itemsize(&dtype).ok_or_else(|| self.fault(format!("joblib dtype {dtype:?}")))?;
        let shape = state
            .get("shape")
            .and_then(Value::tuple)
            .ok_or_else(|| self.fault("joblib array without a shape"))?;
        let mut nbytes = itemsize;
        for dim in shape {
            let d = dim.as_int().and_then(|d| u64::try_from(d).ok());
            nbytes = d
                .and_then(|d| nbytes.checked_mul(d))
                .ok_or_else(|| self.fault("joblib array size overflows"))?;
        }
        let aligned = state
            .get("numpy_array_alignment_bytes")
            .and_then(Value::as_int)
            .is_some();
        if aligned {
            let pad = need(self.op_start, self.cur.u8())?;
            self.sized(pad.into())?;
        }
        self.sized(nbytes)?;
        Ok(())
    }
}

/// NumPy's dtype string (`f8`, `<i4`, `U10`, `b1`, `?`) to bytes per item.
fn dtype_itemsize(dtype: &str) -> Option<u64> {
    let t = dtype.trim_start_matches(['|', '<', '>', '=']);
    let kind = t.chars().next()?;
    let digits: String = t[kind.len_utf8()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: u64 = if digits.is_empty() {
        match kind {
            '?' | 'b' | 'B' => 1,
            _ => return None,
        }
    } else {
        digits.parse().ok()?
    };
    Some(if kind == 'U' { n.checked_mul(4)? } else { n })
}
