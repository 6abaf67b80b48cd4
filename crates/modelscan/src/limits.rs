/// Every bound the auditor enforces. Model files come from strangers, so each
/// parser checks these before it allocates or loops; crossing one turns the
/// file's verdict into `error` with the reason instead of exhausting memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most bytes read from one file or archive entry into memory.
    pub max_read_bytes: u64,
    /// Most pickle opcodes walked per file (all pickles in it together).
    pub max_opcodes: u64,
    /// Deepest pickle stack and most MARKs open at once.
    pub max_stack: usize,
    /// Most memo entries per pickle (24 bytes each: 8 Mi entries is 192 MiB).
    pub max_memo: usize,
    /// Most entries a zip may list.
    pub max_zip_entries: usize,
    /// Most decompressed bytes read from one archive, all entries together.
    pub max_unzipped_bytes: u64,
    /// How deep archives may nest (a .npz inside a zip is depth 2).
    pub max_depth: u32,
    /// Most GGUF metadata bytes read (keys, values, tensor infos).
    pub max_gguf_header_bytes: u64,
    /// Largest safetensors JSON header accepted.
    pub max_safetensors_header: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_read_bytes: 512 << 20,
            max_opcodes: 50_000_000,
            max_stack: 1 << 20,
            max_memo: 8 << 20,
            max_zip_entries: 100_000,
            max_unzipped_bytes: 2 << 30,
            max_depth: 3,
            max_gguf_header_bytes: 128 << 20,
            max_safetensors_header: 100 << 20,
        }
    }
}
