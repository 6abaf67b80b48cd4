//! Legacy Keras `.h5`. A full HDF5 reader is a large attack surface of its
//! own; instead the `model_config` attribute (a JSON string Keras writes
//! uncompressed, inline or in the attribute heap) is located by its bytes:
//! the first `{"class_name"` document after the attribute name. Weights-only
//! files have no config and cannot carry code.
use super::{keras, Origin, Outcome};
use crate::report::ModelFormat;
use crate::ModelScanError;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

pub fn scan(data: &[u8], origin: &Origin) -> Outcome {
    let Some(attr) = find(data, b"model_config", 0) else {
        return Outcome::new(ModelFormat::KerasH5);
    };
    // The attribute value may be stored before or after its name.
    let start = find(data, b"{\"class_name\"", attr).or_else(|| find(data, b"{\"class_name\"", 0));
    let Some(start) = start else {
        return Outcome::failed(
            ModelFormat::KerasH5,
            ModelScanError::malformed(
                "h5",
                "model_config attribute found but its JSON could not be located",
            ),
        );
    };
    let mut stream =
        serde_json::Deserializer::from_slice(&data[start..]).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(_)) => {
            let end = start + stream.byte_offset();
            let child = Origin {
                entry: Some(
                    origin
                        .entry
                        .clone()
                        .map_or("model_config".into(), |e| format!("{e}!model_config")),
                ),
                file_base: origin.file_base.map(|b| b + start as u64),
            };
            keras::scan_config(&data[start..end], &child, ModelFormat::KerasH5)
        }
        _ => Outcome::failed(
            ModelFormat::KerasH5,
            ModelScanError::malformed("h5", "model_config is not readable JSON"),
        ),
    }
}
