//! Streaming zstd decompression for image layers (OCI media type
//! `application/vnd.oci.image.layer.v1.tar+zstd`), pure Rust (ruzstd).
//! A zstd stream may hold several frames and skippable frames; each frame
//! is decoded in turn. The window a frame asks for is what the decoder
//! allocates, so it is capped: a hostile header cannot demand gigabytes.
use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// The zstd CLI's levels 1-19 use windows of at most 8 MiB; `--long` and
/// `--ultra -22` reach 128 MiB and more. Layers needing more than this are
/// refused with a clear error rather than inflating memory.
pub const MAX_WINDOW: u64 = 32 << 20;

/// The four bytes every zstd frame starts with.
pub const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

pub struct Decoder<R> {
    src: R,
    frame: FrameDecoder,
    /// No frame is being decoded: the stream is at its end.
    done: bool,
}

fn err(e: FrameDecoderError) -> io::Error {
    io::Error::other(format!("zstd: {e}"))
}

impl<R: BufRead> Decoder<R> {
    pub fn new(src: R) -> io::Result<Self> {
        let mut frame = FrameDecoder::new();
        frame.set_max_window_size(MAX_WINDOW);
        let mut d = Self {
            src,
            frame,
            done: false,
        };
        if !d.next_frame()? {
            return Err(io::Error::other("zstd: no frame in the stream"));
        }
        Ok(d)
    }

    /// Start the next data frame, skipping skippable ones; `false` at the end.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.src.fill_buf()?.is_empty() {
                self.done = true;
                return Ok(false);
            }
            match self.frame.reset(&mut self.src) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let want = u64::from(length);
                    let skipped = io::copy(&mut (&mut self.src).take(want), &mut io::sink())?;
                    if skipped < want {
                        return Err(io::Error::other("zstd: truncated skippable frame"));
                    }
                }
                Err(e) => return Err(err(e)),
            }
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.done {
                return Ok(0);
            }
            while self.frame.can_collect() == 0 && !self.frame.is_finished() {
                self.frame
                    .decode_blocks(&mut self.src, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(err)?;
            }
            let n = self.frame.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            // This frame is drained: a concatenated stream goes on.
            if !self.next_frame()? {
                return Ok(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_window_is_refused_before_any_allocation() {
        // Frame header: no checksum or size, window descriptor 0xA0 = 2^30 bytes.
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa0, 0x01, 0x00, 0x00];
        let e = Decoder::new(&frame[..]).err().expect("refused");
        assert!(e.to_string().contains("zstd"), "{e}");
        // A window within the cap, one empty last raw block: an empty stream.
        let small = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00];
        let mut out = Vec::new();
        Decoder::new(&small[..])
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty());
        assert!(Decoder::new(&[0x28, 0xb5][..]).is_err());
    }
}
