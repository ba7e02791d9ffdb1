//! `switchboard-wasm-split trim <out_dir> <out_name>`, after wasm-bindgen and before wasm-opt:
//! three cuts to the main module that every page loads, each checked before it is made.
//!
//! - The glue's imports lose their hash: wasm-bindgen names each `__wbg_<name>_<16 hex>`, and
//!   those 213 random suffixes, written once in the wasm and once in the JS, are about 4 KB of
//!   brotli that nothing needs. Each becomes `<name>` (with a number where two would meet) in
//!   both files; the build fails if the JS does not name each import exactly once.
//! - `<f64 as Display>::fmt` (14 KB, most of it float-to-decimal tables and algorithms) is linked
//!   only because serde's deserialization errors can say which float they did not expect; the
//!   browser code formats no float of its own. When its only reference is serde's
//!   `WithDecimalPoint`, its body becomes "write nothing" (such an error then reads "floating
//!   point ``"), and wasm-opt drops the rest. Any other reference in the main module or a chunk
//!   (code, data, export) keeps it whole, with a warning in the build log.
//! - wasm-streams' three classes that turn a Rust stream into a JS one are exported (so always
//!   linked) though nothing here makes such a stream: when the glue never wraps one, the classes
//!   leave the glue and their exports the wasm, and wasm-opt drops their code.
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

type Error = Box<dyn std::error::Error>;

const FLOAT_DISPLAY: &str = "<f64 as core::fmt::Display>::fmt";
/// The one user of `FLOAT_DISPLAY` that may lose its digits.
const FLOAT_DISPLAY_CALLER: &str = "<serde_core::de::WithDecimalPoint as core::fmt::Display>::fmt";

/// wasm-streams' `IntoUnderlying*`: a Rust stream handed to JS as a `ReadableStream` or
/// `WritableStream`, which server_fn's browser client could do for a streaming request body.
const UNUSED_CLASSES: [&str; 3] = ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"];

const IMPORT_SECTION: u8 = 2;
const EXPORT_SECTION: u8 = 7;
const CODE_SECTION: u8 = 10;

pub fn trim(out_dir: &Path, out_name: &str) -> Result<String, Error> {
    let wasm_path = out_dir.join(format!("{out_name}_bg.wasm"));
    let js_path = out_dir.join(format!("{out_name}.js"));
    let wasm = std::fs::read(&wasm_path)?;
    let js = std::fs::read_to_string(&js_path)?;
    let module = Module::read(&wasm)?;

    let glue_module = format!("./{out_name}_bg.js");
    let renames = short_import_names(&module.imports, &glue_module);
    let chunks = chunk_modules(out_dir)?;
    for chunk in &chunks {
        if Module::read(chunk)?.imports.iter().any(|i| i.module == glue_module) {
            return Err("a chunk imports from the glue: its import names would need the same renames".into());
        }
    }
    let js = rename_in_glue(&js, &renames)?;
    let (js, dropped_exports) = drop_unused_classes(&js)?;

    let stub = match float_display_only_for_serde(&module, &wasm, &chunks)? {
        Ok(function) => Some(function),
        Err(why) => {
            eprintln!("[wasm-split] warning: {FLOAT_DISPLAY} kept whole: {why}");
            None
        }
    };
    let cuts = Cuts { glue_module: &glue_module, renames: &renames, stub, dropped_exports: &dropped_exports };
    std::fs::write(&wasm_path, module.rewrite(&wasm, &cuts)?)?;
    std::fs::write(&js_path, js)?;
    Ok(format!(
        "{} glue imports renamed, {} unused exports dropped, {}",
        renames.len(),
        dropped_exports.len(),
        if stub.is_some() { "float formatting dropped" } else { "float formatting kept" }
    ))
}

/// What the cuts need to know of a module; every range indexes its bytes.
struct Module {
    /// Section id → the range of its contents, in order.
    sections: Vec<(u8, Range<usize>)>,
    imports: Vec<Import>,
    imported_functions: u32,
    /// Defined functions' bodies (size prefix excluded), in index order after the imports.
    bodies: Vec<Range<usize>>,
    /// Function index → its type's (params, results).
    types: BTreeMap<u32, (Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)>,
    /// Function index → demangled name, without the hash.
    names: BTreeMap<u32, String>,
    /// Function index → the table slots that hold it.
    slots: BTreeMap<u32, Vec<u32>>,
    exported_functions: BTreeSet<u32>,
    data: Vec<Range<usize>>,
}

/// What `Module::rewrite` changes.
struct Cuts<'a> {
    glue_module: &'a str,
    renames: &'a BTreeMap<String, String>,
    /// The function whose body becomes `i32.const 0` (`Ok(())` of a `fmt` function).
    stub: Option<u32>,
    /// Exports by name that leave the module.
    dropped_exports: &'a BTreeSet<String>,
}

struct Import {
    module: String,
    name: String,
    /// The bytes after the name (kind and type), copied as they are.
    description: Range<usize>,
}

impl Module {
    fn read(wasm: &[u8]) -> Result<Self, Error> {
        use wasmparser::{Name, Payload};
        let mut module = Module {
            sections: Vec::new(),
            imports: Vec::new(),
            imported_functions: 0,
            bodies: Vec::new(),
            types: BTreeMap::new(),
            names: BTreeMap::new(),
            slots: BTreeMap::new(),
            exported_functions: BTreeSet::new(),
            data: Vec::new(),
        };
        let mut signatures = Vec::new();
        let mut function_types = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            let payload = payload?;
            if let Some((id, range)) = payload.as_section() {
                module.sections.push((id, range.start as usize..range.end as usize));
            }
            match payload {
                Payload::ImportSection(reader) => {
                    module.imports = read_imports(
                        &wasm[reader.range().start as usize..reader.range().end as usize],
                        reader.range().start as usize,
                    )?;
                    module.imported_functions =
                        module.imports.iter().filter(|i| wasm[i.description.start] == 0).count() as u32;
                }
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for ty in group?.into_types() {
                            match ty.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    signatures.push(Some((f.params().to_vec(), f.results().to_vec())))
                                }
                                _ => signatures.push(None),
                            }
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        function_types.push(ty?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.kind == wasmparser::ExternalKind::Func {
                            module.exported_functions.insert(export.index);
                        }
                    }
                }
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element?;
                        let wasmparser::ElementKind::Active { offset_expr, .. } = element.kind else { continue };
                        let Some(wasmparser::Operator::I32Const { value }) =
                            offset_expr.get_operators_reader().into_iter().next().transpose()?
                        else {
                            return Err("an element segment whose offset is not a constant".into());
                        };
                        let mut slot = value as u32;
                        let functions: Vec<Option<u32>> = match element.items {
                            wasmparser::ElementItems::Functions(items) => {
                                items.into_iter().map(|f| f.map(Some)).collect::<Result<_, _>>()?
                            }
                            wasmparser::ElementItems::Expressions(_, items) => items
                                .into_iter()
                                .map(|expr| -> Result<Option<u32>, Error> {
                                    Ok(match expr?.get_operators_reader().into_iter().next().transpose()? {
                                        Some(wasmparser::Operator::RefFunc { function_index }) => Some(function_index),
                                        _ => None,
                                    })
                                })
                                .collect::<Result<_, _>>()?,
                        };
                        for function in functions {
                            if let Some(function) = function {
                                module.slots.entry(function).or_default().push(slot);
                            }
                            slot += 1;
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let range = body.range();
                    module.bodies.push(range.start as usize..range.end as usize);
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data?;
                        let start = data.data.as_ptr() as usize - wasm.as_ptr() as usize;
                        module.data.push(start..start + data.data.len());
                    }
                }
                Payload::CustomSection(section) if section.name() == "name" => {
                    let reader = wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(
                        section.data(),
                        section.data_offset(),
                    ));
                    for name in reader {
                        if let Name::Function(map) = name? {
                            for naming in map {
                                let naming = naming?;
                                module
                                    .names
                                    .insert(naming.index, format!("{:#}", rustc_demangle::demangle(naming.name)));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let imported_types = module.imports.iter().filter(|i| wasm[i.description.start] == 0);
        let mut index = 0u32;
        for import in imported_types {
            let (type_index, _) = read_u32(wasm, import.description.start + 1)?;
            if let Some(Some(signature)) = signatures.get(type_index as usize) {
                module.types.insert(index, signature.clone());
            }
            index += 1;
        }
        for type_index in function_types {
            if let Some(Some(signature)) = signatures.get(type_index as usize) {
                module.types.insert(index, signature.clone());
            }
            index += 1;
        }
        Ok(module)
    }

    /// The module with `cuts` made; every other byte as it was.
    fn rewrite(&self, wasm: &[u8], cuts: &Cuts) -> Result<Vec<u8>, Error> {
        let Cuts { glue_module, renames, stub, dropped_exports } = *cuts;
        let mut out = wasm[..8].to_vec();
        for (id, range) in &self.sections {
            let contents = match *id {
                IMPORT_SECTION => {
                    let mut section = Vec::new();
                    write_u32(&mut section, self.imports.len() as u32);
                    for import in &self.imports {
                        let name = match renames.get(&import.name) {
                            Some(short) if import.module == glue_module => short,
                            _ => &import.name,
                        };
                        write_name(&mut section, &import.module);
                        write_name(&mut section, name);
                        section.extend_from_slice(&wasm[import.description.clone()]);
                    }
                    section
                }
                EXPORT_SECTION if !dropped_exports.is_empty() => {
                    let contents = &wasm[range.clone()];
                    let (count, mut at) = read_u32(contents, 0)?;
                    let mut kept = Vec::new();
                    let mut kept_count = 0u32;
                    for _ in 0..count {
                        let start = at;
                        let (name, next) = read_name(contents, at)?;
                        at = read_u32(contents, next + 1)?.1;
                        if !dropped_exports.contains(&name) {
                            kept.extend_from_slice(&contents[start..at]);
                            kept_count += 1;
                        }
                    }
                    if count - kept_count != dropped_exports.len() as u32 {
                        return Err("an export to drop is not in the module".into());
                    }
                    let mut section = Vec::new();
                    write_u32(&mut section, kept_count);
                    section.extend_from_slice(&kept);
                    section
                }
                CODE_SECTION => {
                    let mut section = Vec::new();
                    write_u32(&mut section, self.bodies.len() as u32);
                    for (at, body) in self.bodies.iter().enumerate() {
                        let stubbed = stub == Some(self.imported_functions + at as u32);
                        let bytes: &[u8] = if stubbed { &[0x00, 0x41, 0x00, 0x0b] } else { &wasm[body.clone()] };
                        write_u32(&mut section, bytes.len() as u32);
                        section.extend_from_slice(bytes);
                    }
                    section
                }
                _ => wasm[range.clone()].to_vec(),
            };
            out.push(*id);
            write_u32(&mut out, contents.len() as u32);
            out.extend_from_slice(&contents);
        }
        Ok(out)
    }
}

/// Parses an import section's contents (at `offset` in the module) in its plain encoding.
fn read_imports(section: &[u8], offset: usize) -> Result<Vec<Import>, Error> {
    let (count, mut at) = read_u32(section, 0)?;
    let mut imports = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (module, next) = read_name(section, at)?;
        let (name, next) = read_name(section, next)?;
        let start = next;
        at = match section.get(next).copied() {
            Some(0) | Some(4) => read_u32(section, next + 1)?.1,
            Some(1) => read_limits(section, next + 2)?,
            Some(2) => read_limits(section, next + 1)?,
            Some(3) => next + 3,
            other => return Err(format!("import kind {other:?} not understood").into()),
        };
        imports.push(Import { module, name, description: offset + start..offset + at });
    }
    Ok(imports)
}

fn read_limits(bytes: &[u8], at: usize) -> Result<usize, Error> {
    let flags = *bytes.get(at).ok_or("truncated limits")?;
    let (_, mut next) = read_u32(bytes, at + 1)?;
    if flags & 1 != 0 {
        next = read_u32(bytes, next)?.1;
    }
    Ok(next)
}

fn read_u32(bytes: &[u8], mut at: usize) -> Result<(u32, usize), Error> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = *bytes.get(at).ok_or("truncated number")?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).map(|v| (v, at)).map_err(|_| "number too large".into());
        }
        shift += 7;
    }
}

fn read_name(bytes: &[u8], at: usize) -> Result<(String, usize), Error> {
    let (length, start) = read_u32(bytes, at)?;
    let end = start + length as usize;
    let name = std::str::from_utf8(bytes.get(start..end).ok_or("truncated name")?)?;
    Ok((name.to_string(), end))
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

/// `__wbg_<name>_<16 hex>` → `<name>` for the imports of `glue_module`, unique among all of its
/// import names (a second `<name>` becomes `<name>_2`).
fn short_import_names(imports: &[Import], glue_module: &str) -> BTreeMap<String, String> {
    let glue: Vec<&str> = imports.iter().filter(|i| i.module == glue_module).map(|i| i.name.as_str()).collect();
    let mut taken: BTreeSet<String> = glue.iter().filter(|n| hashed_name(n).is_none()).map(|n| n.to_string()).collect();
    let mut renames = BTreeMap::new();
    for name in glue {
        let Some(short) = hashed_name(name) else { continue };
        let mut candidate = short.to_string();
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{short}_{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        renames.insert(name.to_string(), candidate);
    }
    renames
}

/// The `<name>` of `__wbg_<name>_<16 hex>`, if `import` is named so.
fn hashed_name(import: &str) -> Option<&str> {
    let rest = import.strip_prefix("__wbg_")?;
    let (short, hash) = rest.rsplit_once('_')?;
    let is_hash = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (is_hash && !short.is_empty() && is_identifier(short)).then_some(short)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The glue with each renamed import's key replaced; each must appear exactly once, as a whole
/// identifier.
fn rename_in_glue(js: &str, renames: &BTreeMap<String, String>) -> Result<String, Error> {
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut at_name: BTreeMap<usize, (&str, &str)> = BTreeMap::new();
    for (old, new) in renames {
        let found: Vec<usize> = js
            .match_indices(old.as_str())
            .map(|(at, _)| at)
            .filter(|&at| {
                !js[..at].chars().next_back().is_some_and(is_part)
                    && !js[at + old.len()..].chars().next().is_some_and(is_part)
            })
            .collect();
        match found.as_slice() {
            [at] => {
                at_name.insert(*at, (old, new));
            }
            _ => return Err(format!("the glue names the import {old} {} times, not once", found.len()).into()),
        }
    }
    let mut out = String::with_capacity(js.len());
    let mut copied = 0;
    for (at, (old, new)) in at_name {
        out.push_str(&js[copied..at]);
        out.push_str(new);
        copied = at + old.len();
    }
    out.push_str(&js[copied..]);
    Ok(out)
}

/// The glue without `UNUSED_CLASSES` that it never wraps (creates from Rust), and the wasm
/// exports only those classes called. wasm-bindgen writes each class as `export class X {`
/// … `if (Symbol.dispose) X.prototype[Symbol.dispose] = X.prototype.free;` and a
/// `const XFinalization = …;` of three lines; anything else, and the class stays.
fn drop_unused_classes(js: &str) -> Result<(String, BTreeSet<String>), Error> {
    let mut js = js.to_string();
    let mut dropped = BTreeSet::new();
    for class in UNUSED_CLASSES {
        if !js.contains(&format!("export class {class} {{")) {
            continue;
        }
        if js.contains(&format!("{class}.__wrap")) {
            eprintln!("[wasm-split] warning: {class} kept: the glue creates it");
            continue;
        }
        let start = js.find(&format!("export class {class} {{")).expect("checked above");
        let end_marker = format!("if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n");
        let Some(end) = js[start..].find(&end_marker).map(|at| start + at + end_marker.len()) else {
            eprintln!("[wasm-split] warning: {class} kept: its end is not where wasm-bindgen writes it");
            continue;
        };
        let finalization = format!("const {class}Finalization = (typeof FinalizationRegistry === 'undefined')\n");
        let Some(f_start) = js.find(&finalization) else {
            eprintln!("[wasm-split] warning: {class} kept: no finalization registry where expected");
            continue;
        };
        let f_end =
            js[f_start..].match_indices('\n').nth(2).map(|(at, _)| f_start + at + 1).ok_or("a truncated glue")?;
        let class_text = js[start..end].to_string();
        let registry_text = js[f_start..f_end].to_string();
        // Its own exports only: `x_method` and `__wbg_x_free` (not the glue's allocator, say).
        let lower = class.to_ascii_lowercase();
        let exports: BTreeSet<String> = [&class_text, &registry_text]
            .into_iter()
            .flat_map(|text| text.match_indices("wasm.").map(|(at, _)| &text[at + 5..]))
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>())
            .filter(|name| name.starts_with(&format!("{lower}_")) || *name == format!("__wbg_{lower}_free"))
            .collect();
        let (first, second) =
            if start < f_start { ((start, end), (f_start, f_end)) } else { ((f_start, f_end), (start, end)) };
        let without = format!("{}{}{}", &js[..first.0], &js[first.1..second.0], &js[second.1..]);
        if without.contains(class) || without.contains(&lower) {
            eprintln!("[wasm-split] warning: {class} kept: the rest of the glue uses it");
            continue;
        }
        js = without;
        dropped.extend(exports);
    }
    Ok((js, dropped))
}

/// The split's other modules (chunks, split modules) beside the main module.
fn chunk_modules(out_dir: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let mut modules = Vec::new();
    for entry in std::fs::read_dir(out_dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".wasm") && (name.starts_with("chunk_") || name.starts_with("split_")) {
            modules.push(std::fs::read(out_dir.join(&name))?);
        }
    }
    Ok(modules)
}

/// `Ok(function)` if `FLOAT_DISPLAY` is referred to by `FLOAT_DISPLAY_CALLER` alone, else why
/// not. Conservative: any constant equal to its table slot, in any code or data of any module,
/// counts as a reference.
fn float_display_only_for_serde(
    module: &Module,
    wasm: &[u8],
    chunks: &[Vec<u8>],
) -> Result<Result<u32, String>, Error> {
    use wasmparser::ValType::I32;
    let Some((&function, _)) = module.names.iter().find(|(_, name)| name.as_str() == FLOAT_DISPLAY) else {
        return Ok(Err("not in the module".into()));
    };
    if function < module.imported_functions {
        return Ok(Err("imported".into()));
    }
    if module.types.get(&function) != Some(&(vec![I32, I32], vec![I32])) {
        return Ok(Err("its signature is not fmt's".into()));
    }
    if module.exported_functions.contains(&function) {
        return Ok(Err("exported".into()));
    }
    let slots: BTreeSet<u32> = module.slots.get(&function).into_iter().flatten().copied().collect();
    for (at, body) in module.bodies.iter().enumerate() {
        if refers_to(&wasm[body.clone()], body.start, Some(function), &slots)? {
            let index = module.imported_functions + at as u32;
            let name = module.names.get(&index).map(String::as_str).unwrap_or("an unnamed function");
            if !name.starts_with(FLOAT_DISPLAY_CALLER) {
                return Ok(Err(format!("{name} refers to it")));
            }
        }
    }
    if holds_slot(wasm, &module.data, &slots) {
        return Ok(Err("a data segment holds its table slot (a vtable?)".into()));
    }
    for chunk in chunks {
        let other = Module::read(chunk)?;
        for body in &other.bodies {
            if refers_to(&chunk[body.clone()], body.start, None, &slots)? {
                return Ok(Err("a chunk has a constant equal to its table slot".into()));
            }
        }
        if holds_slot(chunk, &other.data, &slots) {
            return Ok(Err("a chunk's data holds its table slot".into()));
        }
    }
    Ok(Ok(function))
}

/// Whether a function body calls or takes `function`, or has a constant among `slots`.
fn refers_to(body: &[u8], offset: usize, function: Option<u32>, slots: &BTreeSet<u32>) -> Result<bool, Error> {
    use wasmparser::Operator;
    let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(body, offset as u64));
    let mut operators = body.get_operators_reader()?;
    while !operators.eof() {
        match operators.read()? {
            Operator::I32Const { value } if slots.contains(&(value as u32)) => return Ok(true),
            Operator::Call { function_index }
            | Operator::ReturnCall { function_index }
            | Operator::RefFunc { function_index }
                if Some(function_index) == function =>
            {
                return Ok(true);
            }
            _ => {}
        }
    }
    Ok(false)
}

/// Whether any data segment has one of `slots` as a little-endian u32, at any offset.
fn holds_slot(wasm: &[u8], data: &[Range<usize>], slots: &BTreeSet<u32>) -> bool {
    data.iter().any(|range| {
        wasm[range.clone()].windows(4).any(|w| slots.contains(&u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(module: &str, name: &str) -> Import {
        Import { module: module.into(), name: name.into(), description: 0..0 }
    }

    #[test]
    fn glue_imports_lose_their_hash_and_stay_unique() {
        let imports = [
            import("./app_bg.js", "__wbg_new_0123456789abcdef"),
            import("./app_bg.js", "__wbg_new_fedcba9876543210"),
            import("./app_bg.js", "__wbg_addEventListener_847fd86b8c33ec43"),
            import("./app_bg.js", "__wbindgen_init_externref_table"),
            import("./app_bg.js", "__wbg_not_a_hash_xyz"),
            import("other", "__wbg_get_0123456789abcdef"),
        ];
        let renames = short_import_names(&imports, "./app_bg.js");
        assert_eq!(
            renames,
            [
                ("__wbg_addEventListener_847fd86b8c33ec43", "addEventListener"),
                ("__wbg_new_0123456789abcdef", "new"),
                ("__wbg_new_fedcba9876543210", "new_2"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into()
        );
        let js = "const i = { __wbg_new_0123456789abcdef: function() {}, __wbg_new_fedcba9876543210: f, \
                  __wbg_addEventListener_847fd86b8c33ec43: g }; x.__wbg_ptr;";
        assert_eq!(
            rename_in_glue(js, &renames).unwrap(),
            "const i = { new: function() {}, new_2: f, \
                  addEventListener: g }; x.__wbg_ptr;"
        );
        // Named twice, or not at all: the glue is not what this step knows; the build stops.
        assert!(rename_in_glue(&format!("{js} __wbg_new_0123456789abcdef"), &renames).is_err());
        assert!(rename_in_glue("const i = {};", &renames).is_err());
    }

    #[test]
    fn stream_classes_leave_the_glue_only_when_nothing_else_uses_them() {
        let class = "export class IntoUnderlyingSink {\n    close() {\n        wasm.intounderlyingsink_close(this.__wbg_ptr, wasm.__wbindgen_malloc);\n    }\n}\n\
                     if (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;\n";
        let registry = "const IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));\n";
        let js = format!(
            "export function hydrate() {{ wasm.hydrate(); }}\n{class}function f() {{}}\n{registry}const x = wasm.__wbindgen_malloc;\n"
        );
        let (trimmed, dropped) = drop_unused_classes(&js).unwrap();
        assert_eq!(
            trimmed,
            "export function hydrate() { wasm.hydrate(); }\nfunction f() {}\nconst x = wasm.__wbindgen_malloc;\n"
        );
        assert_eq!(dropped, ["__wbg_intounderlyingsink_free", "intounderlyingsink_close"].map(String::from).into());
        // Created from Rust somewhere, or named elsewhere: it stays.
        for used in [format!("{js}IntoUnderlyingSink.__wrap(p);"), format!("{js}wasm.intounderlyingsink_close(1);")] {
            let (kept, dropped) = drop_unused_classes(&used).unwrap();
            assert_eq!((kept, dropped.len()), (used, 0));
        }
    }

    /// A module written by hand: two imports, a `fmt`-shaped function placed in the table,
    /// one function that takes its slot, data that may hold it.
    fn module(caller_name: &str, data: &[u8]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        let section = |m: &mut Vec<u8>, id: u8, contents: &[u8]| {
            m.push(id);
            write_u32(m, contents.len() as u32);
            m.extend_from_slice(contents);
        };
        // type 0: (i32, i32) -> i32
        section(&mut m, 1, &[1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]);
        let mut imports = vec![2];
        write_name(&mut imports, "./app_bg.js");
        write_name(&mut imports, "__wbg_log_0123456789abcdef");
        imports.extend_from_slice(&[0, 0]);
        write_name(&mut imports, "env");
        write_name(&mut imports, "memory");
        imports.extend_from_slice(&[2, 0, 1]);
        section(&mut m, 2, &imports);
        section(&mut m, 3, &[2, 0, 0]);
        section(&mut m, 4, &[1, 0x70, 0, 8]);
        let mut exports = vec![2];
        write_name(&mut exports, "intounderlyingsink_close");
        exports.extend_from_slice(&[0, 2]);
        write_name(&mut exports, "hydrate");
        exports.extend_from_slice(&[0, 2]);
        section(&mut m, 7, &exports);
        // table slot 5 holds function 1 (the float formatter)
        section(&mut m, 9, &[1, 0, 0x41, 5, 0x0b, 1, 1]);
        let float_body = [0x00, 0x41, 0x2a, 0x0b];
        let caller_body = [0x00, 0x41, 0x05, 0x0b];
        let mut code = vec![2, float_body.len() as u8];
        code.extend_from_slice(&float_body);
        code.push(caller_body.len() as u8);
        code.extend_from_slice(&caller_body);
        section(&mut m, 10, &code);
        let mut segment = vec![1, 0, 0x41, 0, 0x0b, data.len() as u8];
        segment.extend_from_slice(data);
        section(&mut m, 11, &segment);
        let mut names = Vec::new();
        write_name(&mut names, "name");
        let mut functions = vec![3];
        for (index, name) in [(0u8, "log"), (1, FLOAT_DISPLAY), (2, caller_name)] {
            functions.push(index);
            write_name(&mut functions, name);
        }
        names.push(1);
        write_u32(&mut names, functions.len() as u32);
        names.extend_from_slice(&functions);
        section(&mut m, 0, &names);
        m
    }

    // Plain names read back as they are (the build's are mangled, and demangled on reading).
    const SERDE_CALLER: &str = FLOAT_DISPLAY_CALLER;

    #[test]
    fn the_float_formatter_goes_only_when_serde_alone_refers_to_it() {
        let wasm = module(SERDE_CALLER, b"abcd");
        let parsed = Module::read(&wasm).unwrap();
        assert_eq!(parsed.names[&1], FLOAT_DISPLAY);
        assert_eq!(float_display_only_for_serde(&parsed, &wasm, &[]).unwrap(), Ok(1));
        // Rewritten: the import renamed, the body stubbed, everything else as it was.
        let renames = short_import_names(&parsed.imports, "./app_bg.js");
        let dropped = BTreeSet::new();
        let cuts = Cuts { glue_module: "./app_bg.js", renames: &renames, stub: Some(1), dropped_exports: &dropped };
        let out = parsed.rewrite(&wasm, &cuts).unwrap();
        let again = Module::read(&out).unwrap();
        assert_eq!(again.imports[0].name, "log");
        assert_eq!(&out[again.bodies[0].clone()], &[0x00, 0x41, 0x00, 0x0b]);
        assert_eq!(&out[again.bodies[1].clone()], &[0x00, 0x41, 0x05, 0x0b]);
        assert_eq!(again.names, parsed.names);
        wasmparser::Validator::new().validate_all(&out).unwrap();
        assert_eq!(again.exported_functions, [2].into());
        let dropped: BTreeSet<String> = ["intounderlyingsink_close".to_string()].into();
        let cuts =
            Cuts { glue_module: "./app_bg.js", renames: &BTreeMap::new(), stub: None, dropped_exports: &dropped };
        let out = parsed.rewrite(&wasm, &cuts).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        assert!(!out.windows(24).any(|w| w == b"intounderlyingsink_close") && out.windows(7).any(|w| w == b"hydrate"));
        let dropped: BTreeSet<String> = ["not_there".to_string()].into();
        let cuts =
            Cuts { glue_module: "./app_bg.js", renames: &BTreeMap::new(), stub: None, dropped_exports: &dropped };
        assert!(parsed.rewrite(&wasm, &cuts).is_err());
        let dropped = BTreeSet::new();
        // Nothing renamed and nothing stubbed: the same bytes.
        let none =
            Cuts { glue_module: "./app_bg.js", renames: &BTreeMap::new(), stub: None, dropped_exports: &dropped };
        assert_eq!(parsed.rewrite(&wasm, &none).unwrap(), wasm);

        // Another function takes its slot, a data segment holds it, a chunk has the constant:
        // it stays, with the reason.
        let other = module("app::ui::size", b"abcd");
        let reason = float_display_only_for_serde(&Module::read(&other).unwrap(), &other, &[]).unwrap().unwrap_err();
        assert_eq!(reason, "app::ui::size refers to it");
        let in_data = module(SERDE_CALLER, &[9, 5, 0, 0, 0]);
        assert!(float_display_only_for_serde(&Module::read(&in_data).unwrap(), &in_data, &[]).unwrap().is_err());
        assert!(float_display_only_for_serde(&parsed, &wasm, &[module("x", b"")]).unwrap().is_err());
    }
}
