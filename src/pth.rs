//! PyTorch `state_dict` files (`torch.save(model.state_dict(), "x.pth")`) read from bytes and written
//! to bytes, so the page can import the tutorial's `.pth` and export its own without a file system.
//! burn-store's reader needs a file path; the tests hold this reader to it on the tutorial's files and
//! on files [`write_pth_bytes`] wrote, and the fixture script loads those into `torch.nn` modules.
//!
//! The format (PyTorch ≥ 1.6, `_use_new_zipfile_serialization`): an uncompressed ZIP archive holding
//! `<name>/data.pkl`, a pickle (protocol 2) of an `OrderedDict` whose values are
//! `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` calls, each
//! storage a persistent id `('storage', torch.FloatStorage, key, location, numel)`, and the storages'
//! raw little-endian bytes in `<name>/data/<key>`. Only the pickle opcodes and the two callables such
//! a file uses are understood; anything else is refused with its name. Every length is checked
//! against the bytes that are there: truncated or random bytes give an error, never a panic.

use crate::state_dict::{NamedTensor, StateDict, WeightsError};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Largest pickle and largest tensor accepted (the tutorial's model has 9,729 values).
const MAX_PICKLE_BYTES: u64 = 16 << 20;
const MAX_TENSOR_VALUES: usize = 16 << 20;
const MAX_PICKLE_VALUES: usize = 1 << 20;

/// Reads a `.pth` file's bytes into a state dict (float32 tensors only).
pub fn read_pth_bytes(bytes: &[u8]) -> Result<StateDict, WeightsError> {
    let unreadable =
        |why: String| WeightsError::Unreadable(format!("not a PyTorch .pth state_dict: {why}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("not a ZIP archive ({e})")))?;
    let pickle_name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with("/data.pkl") && n.matches('/').count() == 1)
        .map(|n| n.into_owned())
        .ok_or_else(|| unreadable("no <name>/data.pkl in the archive".into()))?;
    let prefix = pickle_name.trim_end_matches("data.pkl").to_owned();
    if let Ok(order) = read_entry(&mut archive, &format!("{prefix}byteorder"), 16)
        && order != b"little"
    {
        return Err(unreadable("big-endian storages are not supported".into()));
    }
    let pickle = read_entry(&mut archive, &pickle_name, MAX_PICKLE_BYTES).map_err(unreadable)?;
    let root = Machine::default().run(&pickle).map_err(unreadable)?;
    let Value::Dict(entries) = root else {
        return Err(unreadable(format!(
            "the pickle holds {}, not a state_dict",
            root.kind()
        )));
    };
    let mut dict = BTreeMap::new();
    for (key, value) in entries {
        let (Value::Str(name), Value::Tensor(tensor)) = (&key, value) else {
            return Err(unreadable(format!(
                "entry {} is not a named tensor",
                key.kind()
            )));
        };
        let storage = read_entry(
            &mut archive,
            &format!("{prefix}data/{}", tensor.storage),
            (MAX_TENSOR_VALUES * 4) as u64,
        )
        .map_err(unreadable)?;
        let data = tensor
            .values(&storage)
            .map_err(|why| unreadable(format!("\"{name}\": {why}")))?;
        dict.insert(
            name.clone(),
            NamedTensor {
                shape: tensor.size,
                data,
            },
        );
    }
    Ok(dict)
}

/// The archive's folder name, as `torch.save` names it after the file (any name loads).
const ARCHIVE: &str = "archive";

/// A `.pth` file of `dict` that `torch.load(f, weights_only=True)` reads back as an `OrderedDict` of
/// float32 tensors, ready for `load_state_dict`: the ZIP layout and pickle opcodes `torch.save` itself
/// writes (protocol 2), each storage in its own 64-byte-aligned entry, contiguous row-major strides.
pub fn write_pth_bytes(dict: &StateDict) -> Vec<u8> {
    use std::io::Write;
    let mut pickle = PickleWriter::default();
    pickle.bytes(&[0x80, 2]);
    pickle.global("collections", "OrderedDict");
    pickle.bytes(b")R(");
    for (key, (name, tensor)) in dict.iter().enumerate() {
        pickle.string(name);
        pickle.global("torch._utils", "_rebuild_tensor_v2");
        pickle.bytes(b"((");
        pickle.string("storage");
        pickle.global("torch", "FloatStorage");
        pickle.string(&key.to_string());
        pickle.string("cpu");
        pickle.int(tensor.data.len());
        pickle.bytes(b"tQ");
        pickle.int(0);
        let mut strides = vec![1; tensor.shape.len()];
        for d in (0..tensor.shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * tensor.shape[d + 1];
        }
        for dims in [&tensor.shape, &strides] {
            pickle.bytes(b"(");
            for &d in dims.iter() {
                pickle.int(d);
            }
            pickle.bytes(b"t");
        }
        pickle.bytes(&[0x89]);
        pickle.global("collections", "OrderedDict");
        pickle.bytes(b")RtR");
    }
    pickle.bytes(b"u.");

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .with_alignment(64);
    let mut entry = |name: String, data: &[u8]| {
        zip.start_file(format!("{ARCHIVE}/{name}"), options)
            .expect("writing to memory does not fail");
        zip.write_all(data)
            .expect("writing to memory does not fail");
    };
    entry("data.pkl".into(), &pickle.out);
    entry("byteorder".into(), b"little");
    for (key, tensor) in dict.values().enumerate() {
        let bytes: Vec<u8> = tensor.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        entry(format!("data/{key}"), &bytes);
    }
    entry("version".into(), b"3\n");
    zip.finish()
        .expect("writing to memory does not fail")
        .into_inner()
}

/// The few pickle opcodes a state dict needs.
#[derive(Default)]
struct PickleWriter {
    out: Vec<u8>,
}

impl PickleWriter {
    fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// GLOBAL `module.name`.
    fn global(&mut self, module: &str, name: &str) {
        self.out.push(b'c');
        self.bytes(format!("{module}\n{name}\n").as_bytes());
    }

    /// BINUNICODE.
    fn string(&mut self, s: &str) {
        self.out.push(b'X');
        self.bytes(&(s.len() as u32).to_le_bytes());
        self.bytes(s.as_bytes());
    }

    /// BININT (a non-negative 32-bit int; tensors here are far smaller).
    fn int(&mut self, v: usize) {
        self.out.push(b'J');
        self.bytes(&(v as i32).to_le_bytes());
    }
}

/// One archive entry, at most `limit` bytes.
fn read_entry<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let file = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    if file.size() > limit {
        return Err(format!(
            "{name} is {} bytes, more than {limit}",
            file.size()
        ));
    }
    let mut out = Vec::with_capacity(file.size() as usize);
    file.take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(out)
}

/// A tensor as `_rebuild_tensor_v2` describes it: a view into a storage.
#[derive(Clone, Debug, PartialEq)]
struct TensorRef {
    storage: String,
    offset: usize,
    size: Vec<usize>,
    stride: Vec<usize>,
}

impl TensorRef {
    /// The tensor's values, row-major, from its storage's little-endian f32 bytes.
    fn values(&self, storage: &[u8]) -> Result<Vec<f32>, String> {
        let count = self
            .size
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= MAX_TENSOR_VALUES)
            .ok_or("too many values")?;
        let available = storage.len() / 4;
        if count > available {
            return Err(format!(
                "{count} values do not fit in storage {} of {available}",
                self.storage
            ));
        }
        let mut out = Vec::with_capacity(count);
        let mut index = vec![0usize; self.size.len()];
        for _ in 0..count {
            let at = index
                .iter()
                .zip(&self.stride)
                .try_fold(self.offset, |a, (&i, &s)| a.checked_add(i.checked_mul(s)?))
                .filter(|&a| a < available)
                .ok_or_else(|| format!("storage {} is too short for the view", self.storage))?;
            let b = &storage[at * 4..at * 4 + 4];
            out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if index[d] < self.size[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        Ok(out)
    }
}

/// The values a state_dict pickle builds.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// `module.name` of a GLOBAL.
    Global(String),
    /// A persistent id resolved to its storage key (float32 only).
    Storage(String),
    Tensor(TensorRef),
    Mark,
}

impl Value {
    fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "a bool".into(),
            Value::Int(_) => "an int".into(),
            Value::Float(_) => "a float".into(),
            Value::Str(s) => format!("the string {s:?}"),
            Value::Tuple(_) => "a tuple".into(),
            Value::List(_) => "a list".into(),
            Value::Dict(_) => "a dict".into(),
            Value::Global(g) => format!("the global {g}"),
            Value::Storage(_) => "a storage".into(),
            Value::Tensor(_) => "a tensor".into(),
            Value::Mark => "a mark".into(),
        }
    }

    /// This value and everything inside it.
    fn count(&self) -> usize {
        1 + match self {
            Value::Tuple(items) | Value::List(items) => items.iter().map(Value::count).sum(),
            Value::Dict(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
            _ => 0,
        }
    }

    fn usizes(&self) -> Result<Vec<usize>, String> {
        match self {
            Value::Tuple(items) => items
                .iter()
                .map(|v| match v {
                    Value::Int(i) if *i >= 0 => Ok(*i as usize),
                    other => Err(format!("expected a size, found {}", other.kind())),
                })
                .collect(),
            other => Err(format!("expected a tuple of sizes, found {}", other.kind())),
        }
    }
}

/// The pickle virtual machine, restricted to what a state_dict uses.
#[derive(Default)]
struct Machine {
    stack: Vec<Value>,
    memo: BTreeMap<u32, Value>,
    /// Values copied out of the memo so far.
    built: usize,
}

/// Reads little-endian integers and byte strings from the pickle, with bounds checks.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or("the pickle ends early")?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self, n: usize) -> Result<String, String> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a string is not UTF-8".into())
    }
    fn line(&mut self) -> Result<String, String> {
        let rest = &self.data[self.at..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("the pickle ends early")?;
        let s = self.string(n)?;
        self.at += 1;
        Ok(s)
    }
}

impl Machine {
    fn pop(&mut self) -> Result<Value, String> {
        self.stack
            .pop()
            .ok_or_else(|| "the pickle pops an empty stack".into())
    }

    fn pop_to_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = self
            .stack
            .iter()
            .rposition(|v| *v == Value::Mark)
            .ok_or("the pickle has no mark")?;
        let items = self.stack.split_off(mark + 1);
        self.stack.pop();
        Ok(items)
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        self.stack
            .last_mut()
            .ok_or_else(|| "the pickle reads an empty stack".into())
    }

    fn run(mut self, pickle: &[u8]) -> Result<Value, String> {
        let mut input = Bytes {
            data: pickle,
            at: 0,
        };
        loop {
            let op = input.u8()?;
            match op {
                0x80 => {
                    input.u8()?; // PROTO
                }
                0x95 => {
                    input.take(8)?; // FRAME
                }
                b'.' => return self.pop(), // STOP
                b'(' => self.stack.push(Value::Mark),
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'K' => {
                    let v = input.u8()?;
                    self.stack.push(Value::Int(v as i64))
                }
                b'M' => {
                    let v = input.u16()?;
                    self.stack.push(Value::Int(v as i64))
                }
                b'J' => {
                    let v = input.u32()? as i32;
                    self.stack.push(Value::Int(v as i64))
                }
                0x8a => {
                    // LONG1: n little-endian two's-complement bytes
                    let n = input.u8()? as usize;
                    let b = input.take(n)?;
                    if n > 8 {
                        return Err("an integer wider than 64 bits".into());
                    }
                    let mut v: i64 = if b.last().is_some_and(|&x| x & 0x80 != 0) {
                        -1
                    } else {
                        0
                    };
                    for &byte in b.iter().rev() {
                        v = (v << 8) | byte as i64;
                    }
                    self.stack.push(Value::Int(v))
                }
                b'G' => {
                    let b = input.take(8)?;
                    let v = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.stack.push(Value::Float(v))
                }
                b'X' => {
                    let n = input.u32()? as usize;
                    let s = input.string(n)?;
                    self.stack.push(Value::Str(s))
                }
                0x8c => {
                    let n = input.u8()? as usize;
                    let s = input.string(n)?;
                    self.stack.push(Value::Str(s))
                }
                b'U' => {
                    let n = input.u8()? as usize;
                    let s = input.string(n)?;
                    self.stack.push(Value::Str(s))
                }
                b'T' => {
                    let n = input.u32()? as usize;
                    let s = input.string(n)?;
                    self.stack.push(Value::Str(s))
                }
                b'c' => {
                    let module = input.line()?;
                    let name = input.line()?;
                    self.stack.push(Value::Global(format!("{module}.{name}")))
                }
                0x93 => {
                    // STACK_GLOBAL
                    let (name, module) = (self.pop()?, self.pop()?);
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => {
                            self.stack.push(Value::Global(format!("{m}.{n}")))
                        }
                        _ => return Err("STACK_GLOBAL without two strings".into()),
                    }
                }
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                b']' => self.stack.push(Value::List(Vec::new())),
                b'}' => self.stack.push(Value::Dict(Vec::new())),
                b't' => {
                    let items = self.pop_to_mark()?;
                    self.stack.push(Value::Tuple(items))
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err("a tuple of more items than the stack holds".into());
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(items))
                }
                b'q' => {
                    let k = input.u8()? as u32;
                    let v = self.top()?.clone();
                    self.memo.insert(k, v);
                }
                b'r' => {
                    let k = input.u32()?;
                    let v = self.top()?.clone();
                    self.memo.insert(k, v);
                }
                0x94 => {
                    // MEMOIZE
                    let k = self.memo.len() as u32;
                    let v = self.top()?.clone();
                    self.memo.insert(k, v);
                }
                b'h' | b'j' => {
                    let k = if op == b'h' {
                        input.u8()? as u32
                    } else {
                        input.u32()?
                    };
                    let v = self
                        .memo
                        .get(&k)
                        .cloned()
                        .ok_or("the pickle reads an unset memo")?;
                    // Copies of copies could grow without bound: a state_dict's pickle builds a few
                    // thousand values.
                    self.built += v.count();
                    if self.built > MAX_PICKLE_VALUES {
                        return Err("the pickle builds too many values".into());
                    }
                    self.stack.push(v)
                }
                b'a' => {
                    let v = self.pop()?;
                    match self.top()? {
                        Value::List(items) => items.push(v),
                        other => return Err(format!("APPEND to {}", other.kind())),
                    }
                }
                b'e' => {
                    let items = self.pop_to_mark()?;
                    match self.top()? {
                        Value::List(list) => list.extend(items),
                        other => return Err(format!("APPENDS to {}", other.kind())),
                    }
                }
                b's' => {
                    let (value, key) = (self.pop()?, self.pop()?);
                    match self.top()? {
                        Value::Dict(entries) => entries.push((key, value)),
                        other => return Err(format!("SETITEM on {}", other.kind())),
                    }
                }
                b'u' => {
                    let items = self.pop_to_mark()?;
                    if items.len() % 2 != 0 {
                        return Err("SETITEMS with an odd number of items".into());
                    }
                    let mut items = items.into_iter();
                    match self.top()? {
                        Value::Dict(entries) => {
                            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                                entries.push((k, v));
                            }
                        }
                        other => return Err(format!("SETITEMS on {}", other.kind())),
                    }
                }
                b'b' => {
                    // BUILD: the OrderedDict's `_metadata` attribute; the values are all we need.
                    self.pop()?;
                }
                b'Q' => {
                    let id = self.pop()?;
                    self.stack.push(persistent_storage(id)?)
                }
                b'R' => {
                    let (args, callable) = (self.pop()?, self.pop()?);
                    self.stack.push(call(callable, args)?)
                }
                other => return Err(format!("pickle opcode 0x{other:02x} is not supported")),
            }
        }
    }
}

/// `('storage', torch.FloatStorage, key, location, numel)` → the storage key.
fn persistent_storage(id: Value) -> Result<Value, String> {
    let Value::Tuple(items) = id else {
        return Err(format!("a persistent id that is {}", id.kind()));
    };
    match items.as_slice() {
        [Value::Str(tag), Value::Global(kind), Value::Str(key), ..] if tag == "storage" => {
            if kind != "torch.FloatStorage" {
                return Err(format!("{kind} tensors are not supported (float32 only)"));
            }
            Ok(Value::Storage(key.clone()))
        }
        _ => Err("a persistent id that is not a storage".into()),
    }
}

/// The callables a state_dict pickle applies with REDUCE.
fn call(callable: Value, args: Value) -> Result<Value, String> {
    let Value::Global(name) = callable else {
        return Err(format!("REDUCE applies {}", callable.kind()));
    };
    let Value::Tuple(args) = args else {
        return Err(format!("{name} called with {}", args.kind()));
    };
    match (name.as_str(), args.as_slice()) {
        ("collections.OrderedDict", []) => Ok(Value::Dict(Vec::new())),
        (
            "torch._utils._rebuild_tensor_v2",
            [Value::Storage(key), Value::Int(offset), size, stride, ..],
        ) => {
            let (size, stride) = (size.usizes()?, stride.usizes()?);
            if size.len() != stride.len() || *offset < 0 {
                return Err("a tensor whose size and stride do not match".into());
            }
            Ok(Value::Tensor(TensorRef {
                storage: key.clone(),
                offset: *offset as usize,
                size,
                stride,
            }))
        }
        ("torch._utils._rebuild_parameter", [tensor @ Value::Tensor(_), ..]) => Ok(tensor.clone()),
        (other, _) => Err(format!(
            "the pickle calls {other}, which a state_dict does not"
        )),
    }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;
    use std::path::Path;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    #[test]
    fn reads_the_tutorials_files_as_burn_stores_reader_does() {
        for name in ["tutorial_init.pth", "tutorial_trained.pth"] {
            let path = format!("{FIXTURES}/{name}");
            let ours = read_pth_bytes(&std::fs::read(&path).unwrap()).unwrap();
            let burn_store = crate::weights::read_pth(Path::new(&path)).unwrap();
            assert_eq!(ours, burn_store, "{name}");
            assert_eq!(ours["gru.weight_hh_l1"].shape, vec![96, 32]);
        }
    }

    /// What `write_pth_bytes` writes, read back by our reader and by burn-store's, equals what was
    /// written, for every cell's seeded init. The files `written_by_gru_lab_<cell>.pth` are those bytes
    /// as committed; `gen_golden.py` loads them into `torch.nn` modules and checks every value against
    /// PyTorch's own seed-42 init. `GRU_LAB_WRITE_FIXTURES=1` rewrites them.
    #[test]
    fn written_files_read_back_exactly_and_match_the_files_pytorch_loaded() {
        use crate::cells::CellKind;
        use crate::config::LabConfig;
        use crate::state_dict::ModelShape;
        for cell in CellKind::ALL {
            let config = LabConfig {
                cell,
                ..LabConfig::default()
            };
            let dict = ModelShape::from(&config).initial_state_dict(42);
            let bytes = write_pth_bytes(&dict);
            assert_eq!(read_pth_bytes(&bytes).unwrap(), dict, "{}", cell.name());
            if cell == CellKind::Cho {
                continue; // no torch.nn module runs the cho equations
            }
            let path = format!("{FIXTURES}/written_by_gru_lab_{}.pth", cell.name());
            if std::env::var_os("GRU_LAB_WRITE_FIXTURES").is_some() {
                std::fs::write(&path, &bytes).unwrap();
            }
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{path}");
            let burn_store = crate::weights::read_pth(Path::new(&path)).unwrap();
            assert_eq!(burn_store, dict, "{path} through burn-store");
        }
    }

    /// Well-formed `.pth` files whose tensors fit no model, committed for the browser tests (written by
    /// this test under `GRU_LAB_WRITE_FIXTURES=1`): each is refused with its reason.
    #[test]
    fn pth_files_that_fit_no_model_are_refused_with_the_reason() {
        use crate::state_dict::{ModelShape, StateDict};
        let lstm =
            read_pth_bytes(&std::fs::read(format!("{FIXTURES}/lstm_init.pth")).unwrap()).unwrap();
        let edit = |f: &dyn Fn(&mut StateDict)| {
            let mut d = lstm.clone();
            f(&mut d);
            d
        };
        let cases: [(&str, StateDict, &str); 3] = [
            (
                "bad_five_blocks.pth",
                edit(&|d| {
                    let w = d.get_mut("lstm.weight_ih_l0").unwrap();
                    w.shape = vec![160, 1];
                    w.data.resize(160, 0.0);
                }),
                "has 160 rows for hidden size 32 (5H), with bias_ih/bias_hh: GRU 3H, LSTM 4H, RNN H",
            ),
            (
                "bad_missing_key.pth",
                edit(&|d| {
                    d.remove("lstm.bias_hh_l1");
                }),
                "weights lack \"lstm.bias_hh_l1\"",
            ),
            (
                "bad_wrong_shape.pth",
                edit(&|d| {
                    let w = d.get_mut("lstm.weight_hh_l1").unwrap();
                    w.shape = vec![128, 16];
                    w.data.truncate(128 * 16);
                }),
                "weights \"lstm.weight_hh_l1\" have shape [128, 16], the model needs [128, 32]",
            ),
        ];
        for (name, dict, reason) in cases {
            let bytes = write_pth_bytes(&dict);
            let path = format!("{FIXTURES}/{name}");
            if std::env::var_os("GRU_LAB_WRITE_FIXTURES").is_some() {
                std::fs::write(&path, &bytes).unwrap();
            }
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{path}");
            let refused = ModelShape::infer(&read_pth_bytes(&bytes).unwrap())
                .and_then(|(shape, dict)| shape.check(&dict));
            let message = refused.expect_err(name).to_string();
            assert!(message.contains(reason), "{name}: {message}");
        }
    }

    #[test]
    fn truncated_or_corrupted_files_are_refused_without_panicking() {
        let good = std::fs::read(format!("{FIXTURES}/tutorial_init.pth")).unwrap();
        let mut refused = 0;
        for cut in (0..good.len()).step_by(97) {
            refused += read_pth_bytes(&good[..cut]).is_err() as usize;
        }
        assert_eq!(
            refused,
            good.len().div_ceil(97),
            "every truncation is refused"
        );
        // Flip bytes across the archive: whatever is read must be refused or a well-formed dict.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..400 {
            let mut bytes = good.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % bytes.len() as u64) as usize;
                bytes[at] ^= (state >> 32) as u8 | 1;
            }
            if let Ok(dict) = read_pth_bytes(&bytes) {
                for t in dict.values() {
                    assert_eq!(t.data.len(), t.shape.iter().product::<usize>());
                }
            }
        }
        let message = read_pth_bytes(b"\x00\xffgarbage").unwrap_err().to_string();
        assert!(
            message.contains("not a PyTorch .pth state_dict"),
            "{message}"
        );
    }
}
