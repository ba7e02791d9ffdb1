//! The build step that cuts the browser bundle into lazy-loaded chunks, in these commands (and
//! `trim`, in trim.rs):
//!
//! `switchboard-wasm-split split <input.wasm> <out_dir> <out_name>` splits the wasm that cargo
//! built (linked with `--emit-relocs`) at its `#[lazy]` split points. Writes the main module
//! (`<out_dir>/<out_name>_split.wasm`, for wasm-bindgen), one wasm per chunk with its JS
//! loader, and the manifest Leptos' `HydrationScripts` reads to preload a page's chunks.
//! The file names are the ones Leptos looks for when the site is not hashed.
//!
//! `switchboard-wasm-split pack <out_dir>` (after wasm-opt) packs the chunks each split needs
//! into one file, so a first visit fetches the chunks of the page in view as one response,
//! compressed as one stream: separately, each small chunk pays its own headers and starts its
//! compression from nothing (the Inbox's 81 chunks: 119 KB brotli apart, 95 KB packed). Until
//! the page has hydrated, the loader fetches a split's pack and takes its chunks from it; later
//! navigations fetch only the chunks they lack, one by one. The packs' manifest is written as
//! `packs.json` and Leptos' manifest removed, so the server never preloads a pack beside the
//! main module: asked for after it, a pack comes compressed against it (below), about an eighth
//! smaller, and whether the server learnt of a page's pack in time no longer decides what a
//! first visit costs.
//!
//! `switchboard-wasm-split dictionary <out_dir> <main.wasm>` (after the packs, on the final
//! main module) writes beside each pack a copy compressed with the main module as its brotli
//! dictionary (`pack_N.wasm.dcb`, RFC 9842 "dcb"): a browser that holds the main module (it
//! always does, by the time its loader asks for a pack) and says so in its
//! `Available-Dictionary` header gets the pack in about an eighth less, since the chunks share
//! the main module's code patterns. The server serves these only to such a request.
mod trim;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";
/// Split → its pack, for `dictionary` (and anyone reading the build), not for the server.
const PACKS_MANIFEST: &str = "packs.json";

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["split", input, out_dir, out_name] => {
            split(Path::new(input), Path::new(out_dir), out_name).map(|n| format!("{n} chunks"))
        }
        ["pack", out_dir, alongside @ ..] => parse_alongside(alongside)
            .and_then(|alongside| pack(Path::new(out_dir), &alongside))
            .map(|n| format!("{n} packs")),
        ["trim", out_dir, out_name] => trim::trim(Path::new(out_dir), out_name),
        ["dictionary", out_dir, main_module] => compress_packs_with(Path::new(out_dir), main_module)
            .map(|n| format!("{n} packs compressed against {main_module}")),
        _ => {
            eprintln!("usage: switchboard-wasm-split split <input.wasm> <out_dir> <out_name>");
            eprintln!("       switchboard-wasm-split pack <out_dir> [<split>=<split it loads with>]...");
            eprintln!("       switchboard-wasm-split trim <out_dir> <out_name>");
            eprintln!("       switchboard-wasm-split dictionary <out_dir> <main.wasm>");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(summary) => {
            println!("[wasm-split] {summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("[wasm-split] {error:?}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out_dir: &Path, out_name: &str) -> Result<usize, Error> {
    let wasm = std::fs::read(input)?;
    std::fs::create_dir_all(out_dir)?;
    let main_out = out_dir.join(format!("{out_name}_split.wasm"));
    // The chunks import the wasm-bindgen glue, which sits beside them.
    let main_module = format!("./{out_name}.js");
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = out_dir;
    options.main_out_path = &main_out;
    options.main_module = &main_module;
    options.link_name = LOADER;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;
    std::fs::write(out_dir.join(MANIFEST), serde_json::to_string_pretty(&split.prefetch_map)?)?;
    Ok(split.split_modules.len())
}

/// `thread_pane=__inbox_route_view`: a split (named by its prefix, without the hash) that a
/// first visit only ever loads together with another one (the conversation view opens inside
/// the Inbox), so its pack leaves out the chunks the other's pack brings.
fn parse_alongside(args: &[&str]) -> Result<Vec<(String, String)>, Error> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((split, with)) if !split.is_empty() && !with.is_empty() => Ok((split.to_string(), with.to_string())),
            _ => Err(format!("expected <split>=<split it loads with>, got {arg:?}").into()),
        })
        .collect()
}

/// The split whose name is `prefix` followed by the splitter's `_<hash>`.
fn split_named<'a>(manifest: &'a BTreeMap<String, Vec<String>>, prefix: &str) -> Result<&'a String, Error> {
    let mut found = manifest.keys().filter(|name| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_digit()))
    });
    match (found.next(), found.next()) {
        (Some(name), None) => Ok(name),
        _ => Err(format!("no single split named {prefix}_<hash> in the manifest").into()),
    }
}

/// The chunks each split's pack carries: all of its chunks, less those of the split it always
/// loads with. A chunk missing from every pack is still fetched on its own, so this only ever
/// trades bytes, never correctness.
fn pack_contents(
    manifest: &BTreeMap<String, Vec<String>>,
    alongside: &[(String, String)],
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let mut contents = manifest.clone();
    for (split, with) in alongside {
        let (split, with) = (split_named(manifest, split)?, split_named(manifest, with)?);
        let brought = &manifest[with];
        contents.get_mut(split).expect("named from the manifest").retain(|chunk| !brought.contains(chunk));
    }
    Ok(contents)
}

/// The chunks of a split and of the split it loads with, each once (`contents` as from
/// `pack_contents`: the split's own already leaves out the other's).
fn together(contents: &BTreeMap<String, Vec<String>>, split: &str, with: &str) -> Vec<String> {
    contents[with].iter().chain(&contents[split]).cloned().collect()
}

/// A pack: a little-endian u32 with the length of a JSON index `[[name, length], …]`, the
/// index, then the chunks' bytes in its order.
fn pack(out_dir: &Path, alongside: &[(String, String)]) -> Result<usize, Error> {
    let manifest: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join(MANIFEST))?)?;
    let contents = pack_contents(&manifest, alongside)?;
    let mut packed_manifest = BTreeMap::new();
    for (number, (split, chunks)) in contents.iter().enumerate() {
        let name = format!("pack_{number}");
        write_pack(out_dir, &name, chunks)?;
        packed_manifest.insert(split.clone(), vec![name]);
    }
    // A first visit that opens a split inside the one it loads with (`ui::load_chunks_in_view`
    // asks for it before the route's own) fetches both as one pack, compressed as one stream:
    // the conversation view and the Inbox share much of their code (apart, 125 KB brotli;
    // together, 116 KB). The loader then skips the packs it covers.
    let mut covers: BTreeMap<String, [String; 2]> = BTreeMap::new();
    for (number, (split, with)) in alongside.iter().enumerate() {
        let (split_name, with_name) = (split_named(&manifest, split)?, split_named(&manifest, with)?);
        let chunks = together(&contents, split_name, with_name);
        let name = format!("pack_{}", contents.len() + number);
        write_pack(out_dir, &name, &chunks)?;
        covers.insert(name.clone(), [packed_manifest[split_name][0].clone(), packed_manifest[with_name][0].clone()]);
        packed_manifest.insert(format!("{split}_with_{with}"), vec![name]);
    }
    std::fs::write(out_dir.join(PACKS_MANIFEST), serde_json::to_string_pretty(&packed_manifest)?)?;
    std::fs::remove_file(out_dir.join(MANIFEST))?;

    let loader_path = out_dir.join(LOADER.trim_start_matches("./"));
    let loader = std::fs::read_to_string(&loader_path)?;
    let (patched, fetches) = take_chunks_from_packs(&loader)?;
    if fetches == 0 {
        return Err("the loader fetches no chunk: has wasm_split_cli_support changed its output?".into());
    }
    let patched = loaders_from_a_table(&patched)?;
    // Each split's own pack; a split that opens inside another, the pack of both (below).
    let mut packs_of_split: BTreeMap<String, Vec<&str>> =
        manifest.keys().map(|split| (format!("split_{split}"), vec![packed_manifest[split][0].as_str()])).collect();
    // Before hydration, a split that opens inside another takes both from their pack together.
    for (split, with) in alongside {
        let together = packed_manifest[&format!("{split}_with_{with}")][0].as_str();
        let split = format!("split_{}", split_named(&manifest, split)?);
        *packs_of_split.get_mut(&split).expect("named from the manifest") = vec![together];
    }
    let table = format!(
        "const packsOfSplit = {};\nconst packCovers = {};\n",
        serde_json::to_string(&packs_of_split)?,
        serde_json::to_string(&covers)?
    );
    std::fs::write(&loader_path, format!("{table}{PACK_RUNTIME}{patched}"))?;
    Ok(packed_manifest.len())
}

/// A pack: a little-endian u32 length, a JSON index of `[chunk, size]`, then the chunks.
fn write_pack(out_dir: &Path, name: &str, chunks: &[String]) -> Result<(), Error> {
    let mut index = Vec::new();
    let mut bytes = Vec::new();
    for chunk in chunks {
        let wasm = std::fs::read(out_dir.join(format!("{chunk}.wasm")))?;
        index.push((chunk.as_str(), wasm.len()));
        bytes.extend_from_slice(&wasm);
    }
    let index = serde_json::to_vec(&index)?;
    let mut file = Vec::with_capacity(4 + index.len() + bytes.len());
    file.extend_from_slice(&u32::try_from(index.len())?.to_le_bytes());
    file.extend_from_slice(&index);
    file.extend_from_slice(&bytes);
    std::fs::write(out_dir.join(format!("{name}.wasm")), file)?;
    Ok(())
}

/// The header of a dictionary-compressed brotli body (RFC 9842): these four bytes, then the
/// SHA-256 of the dictionary, then the brotli stream.
const DCB_MAGIC: [u8; 4] = [0xff, 0x44, 0x43, 0x42];

/// Writes `pack_N.wasm.dcb` for every pack of the (packed) manifest, with `main_module` (a file
/// of `out_dir`) as the dictionary; returns how many.
fn compress_packs_with(out_dir: &Path, main_module: &str) -> Result<usize, Error> {
    use sha2::Digest;
    let dictionary = std::fs::read(out_dir.join(main_module))?;
    let hash = sha2::Sha256::digest(&dictionary);
    let manifest: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&std::fs::read(out_dir.join(PACKS_MANIFEST))?)?;
    let packs: std::collections::BTreeSet<&String> = manifest.values().flatten().collect();
    if packs.iter().any(|name| !name.starts_with("pack_")) {
        return Err("the manifest names chunks, not packs: run `pack` first".into());
    }
    // Two at a time: brotli's best quality takes a second or two per pack.
    let packs: Vec<&String> = packs.into_iter().collect();
    let (dictionary, hash) = (&dictionary, &hash);
    std::thread::scope(|scope| {
        let halves = packs.chunks(packs.len().div_ceil(2).max(1));
        let workers: Vec<_> = halves
            .map(|half| {
                scope.spawn(move || -> Result<(), String> {
                    for name in half {
                        let pack = out_dir.join(format!("{name}.wasm"));
                        let body = std::fs::read(&pack).map_err(|e| format!("{}: {e}", pack.display()))?;
                        let mut file = Vec::with_capacity(36 + body.len() / 3);
                        file.extend_from_slice(&DCB_MAGIC);
                        file.extend_from_slice(hash);
                        file.extend_from_slice(&brotli_with_dictionary(&body, dictionary)?);
                        std::fs::write(out_dir.join(format!("{name}.wasm.dcb")), file).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| worker.join().map_err(|_| "a worker panicked".to_string())?)
    })?;
    Ok(packs.len())
}

/// Brotli at its best quality, `dictionary` as the raw prefix dictionary the stream refers back
/// into; the window spans both (RFC 9842 allows up to 16 MB).
fn brotli_with_dictionary(body: &[u8], dictionary: &[u8]) -> Result<Vec<u8>, String> {
    let span = (dictionary.len() + body.len()).max(1);
    let mut params = brotli::enc::BrotliEncoderParams::default();
    params.quality = 11;
    params.lgwin = (span.next_power_of_two().trailing_zeros()).clamp(22, 24) as i32;
    if span > (1 << 24) - 16 {
        return Err(format!("{span} bytes do not fit a 16 MB window"));
    }
    let mut out = Vec::new();
    let (mut input_buffer, mut output_buffer) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    brotli::enc::BrotliCompressCustomIoCustomDict(
        &mut brotli::IoReaderWrapper(&mut &body[..]),
        &mut brotli::IoWriterWrapper(&mut out),
        &mut input_buffer,
        &mut output_buffer,
        &params,
        brotli::enc::StandardAlloc::default(),
        &mut |_, _, _, _| (),
        dictionary,
        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Every `fetch(new URL("./<chunk>.wasm", import.meta.url))` of the generated loader becomes
/// `chunkResponse("<chunk>")`; returns the new text and how many fetches it replaced.
fn take_chunks_from_packs(loader: &str) -> Result<(String, usize), Error> {
    const START: &str = "fetch(new URL(\"./";
    const END: &str = ".wasm\", import.meta.url))";
    let mut out = String::with_capacity(loader.len());
    let mut rest = loader;
    let mut count = 0;
    while let Some(at) = rest.find(START) {
        out.push_str(&rest[..at]);
        let after = &rest[at + START.len()..];
        let end = after.find(END).ok_or("a chunk fetch without its end")?;
        let chunk = &after[..end];
        if !chunk.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("unexpected chunk name {chunk:?}").into());
        }
        out.push_str(&format!("chunkResponse(\"{chunk}\")"));
        rest = &after[end + END.len()..];
        count += 1;
    }
    out.push_str(rest);
    Ok((out, count))
}

/// The loader body wasm-bindgen's splitter writes once per module, for each of them.
fn module_loader_body(module: &str) -> String {
    format!(
        "    const src = chunkResponse(\"{module}\");\n    src.catch(() => {{}});\n    \
         return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}}\n"
    )
}

/// After a module loader's first line: its expected body, then `, [deps]` and `close`; returns
/// the dependency list and what follows.
fn module_loader_rest<'a>(after: &'a str, module: &str, close: &str) -> Result<(&'a str, &'a str), Error> {
    let after = after
        .strip_prefix(module_loader_body(module).as_str())
        .ok_or_else(|| format!("{module}'s loader is not the expected one"))?;
    after
        .strip_prefix(", [")
        .and_then(|a| a.split_once(close))
        .ok_or_else(|| format!("{module}'s loader without its dependencies").into())
}

/// The generated loader (after `take_chunks_from_packs`) with its ~240 copies of one loader
/// body (`const __chunk_N = makeLoad(() => {…}, [deps]);` per chunk, `export const
/// __wasm_split_load_S = wrapAsyncCb(makeLoad(() => {…}, [deps]));` per split) replaced by one
/// function and a table of chunk numbers: the same loaders, about half the loader's bytes.
/// Anything but that shape after the helpers stops the build.
fn loaders_from_a_table(loader: &str) -> Result<String, Error> {
    const CHUNK: &str = "const __chunk_";
    const SPLIT: &str = "export const __wasm_split_load_";
    // The helpers end where the first module's loader (or its comment) starts a line.
    let first = std::iter::once(0)
        .chain(loader.match_indices('\n').map(|(at, _)| at + 1))
        .find(|&at| loader[at..].starts_with("/* ") || loader[at..].starts_with(CHUNK))
        .ok_or("no chunk loaders found")?;
    let (helpers, mut rest) = loader.split_at(first);
    let deps_of = |list: &str| -> Result<Vec<u32>, Error> {
        list.split(", ")
            .filter(|d| !d.is_empty())
            .map(|d| {
                d.strip_prefix("__chunk_")
                    .ok_or("a dependency that is not a chunk")?
                    .parse::<u32>()
                    .map_err(Error::from)
            })
            .collect()
    };
    let mut chunks: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut splits: Vec<(String, Vec<u32>)> = Vec::new();
    while !rest.is_empty() {
        let (line, after) = rest.split_once('\n').ok_or("a loader line without its end")?;
        if line.starts_with("/* ") && line.ends_with(" */") {
            rest = after;
        } else if let Some(number) = line.strip_prefix(CHUNK).and_then(|l| l.strip_suffix(" = makeLoad(() => {")) {
            let number: u32 = number.parse()?;
            let (deps, after) = module_loader_rest(after, &format!("chunk_{number}"), "]);\n")?;
            chunks.push((number, deps_of(deps)?));
            rest = after;
        } else if let Some(split) =
            line.strip_prefix(SPLIT).and_then(|l| l.strip_suffix(" = wrapAsyncCb(makeLoad(() => {"))
        {
            let (deps, after) = module_loader_rest(after, &format!("split_{split}"), "]));\n")?;
            splits.push((split.to_string(), deps_of(deps)?));
            rest = after;
        } else if line.trim().is_empty() {
            rest = after;
        } else {
            return Err(format!("unexpected loader line {line:?}").into());
        }
    }
    if chunks.is_empty() || splits.is_empty() {
        return Err("the loader has no chunk or no split".into());
    }
    // A chunk's dependencies come before it, as the generated `const`s required.
    let mut defined = std::collections::BTreeSet::new();
    for (number, deps) in &chunks {
        if deps.iter().any(|d| !defined.contains(d)) {
            return Err(format!("chunk {number} depends on a chunk defined after it").into());
        }
        defined.insert(*number);
    }
    let table: Vec<serde_json::Value> = chunks
        .iter()
        .map(|(number, deps)| if deps.is_empty() { (*number).into() } else { serde_json::json!([number, deps]) })
        .collect();
    let mut out = String::from(helpers);
    out.push_str(&module_loader_body("").replace(
        "    const src = chunkResponse(\"\");\n",
        "const loadModule = (name, deps) => makeLoad(() => {\n    const src = chunkResponse(name);\n",
    ));
    out.push_str(", deps.map((n) => chunks[n]));\n");
    out.push_str(&format!(
        "const chunks = [];\nfor (const entry of {}) {{\n    const [number, deps] = Array.isArray(entry) ? entry : [entry, []];\n    chunks[number] = loadModule(`chunk_${{number}}`, deps);\n}}\n",
        serde_json::to_string(&table)?
    ));
    for (split, deps) in splits {
        if deps.iter().any(|d| !defined.contains(d)) {
            return Err(format!("split {split} depends on a chunk that has no loader").into());
        }
        out.push_str(&format!(
            "{SPLIT}{split} = wrapAsyncCb(loadModule(\"split_{split}\", {}));\n",
            serde_json::to_string(&deps)?
        ));
    }
    Ok(out)
}

/// Prepended to the generated loader (an ES module, evaluated before the main module runs),
/// after the tables `packsOfSplit` (split module → the packs that bring its chunks) and
/// `packCovers` (a pack of two splits → the two packs it stands for).
const PACK_RUNTIME: &str = r#"// Chunks come from packs while the page hydrates (see .ci/wasm-split), later one by one.
const packs = new Map();
function requestPack(name) {
    if (packs.has(name)) return;
    // Already coming inside a pack that holds it and another.
    for (const pack of packs.keys()) if (packCovers[pack]?.includes(name)) return;
    packs.set(name, fetch(new URL(`./${name}.wasm`, import.meta.url))
        .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(response.status)))
        .then((buffer) => {
            const length = new DataView(buffer).getUint32(0, true);
            const index = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
            const chunks = new Map();
            let offset = 4 + length;
            for (const [chunk, size] of index) {
                chunks.set(chunk, new Uint8Array(buffer, offset, size));
                offset += size;
            }
            return chunks;
        })
        .catch(() => new Map()));
}
async function chunkResponse(name) {
    // Before hydration a split brings all its chunks as one pack; later navigations fetch
    // only the chunks they lack. A split asks for its own module after its chunks' (in the
    // same turn), so the chunks wait a turn to see its pack.
    if (packsOfSplit[name] && !document.body?.hasAttribute("data-hydrated")) packsOfSplit[name].forEach(requestPack);
    await null;
    for (const chunks of await Promise.all(packs.values())) {
        const bytes = chunks.get(name);
        if (bytes) return new Response(bytes, { headers: { "content-type": "application/wasm" } });
    }
    return fetch(new URL(`./${name}.wasm`, import.meta.url));
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_loaded_alongside_another_leaves_out_what_the_other_brings() {
        let manifest: BTreeMap<String, Vec<String>> = [
            ("__inbox_route_view_123".to_string(), vec!["chunk_1".into(), "chunk_2".into(), "split_inbox".into()]),
            ("thread_pane_456".to_string(), vec!["chunk_2".into(), "chunk_3".into(), "split_thread".into()]),
            ("__team_route_view_123".to_string(), vec!["chunk_2".into(), "split_team".into()]),
        ]
        .into();
        let alongside = parse_alongside(&["thread_pane=__inbox_route_view"]).unwrap();
        let contents = pack_contents(&manifest, &alongside).unwrap();
        assert_eq!(contents["thread_pane_456"], ["chunk_3", "split_thread"]);
        assert_eq!(contents["__inbox_route_view_123"], manifest["__inbox_route_view_123"]);
        assert_eq!(contents["__team_route_view_123"], manifest["__team_route_view_123"]);
        // Their pack together holds every chunk of both, each once.
        assert_eq!(
            together(&contents, "thread_pane_456", "__inbox_route_view_123"),
            ["chunk_1", "chunk_2", "split_inbox", "chunk_3", "split_thread"]
        );
        // A name that matches nothing (or only a longer name) is an error, not a silent no-op.
        for bad in ["thread=__inbox_route_view", "thread_pane=__inbox", "thread_pane"] {
            let parsed = parse_alongside(&[bad]);
            assert!(parsed.is_err() || pack_contents(&manifest, &parsed.unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_module_loaders_come_from_a_table_and_anything_unexpected_stops_the_build() {
        let loader = |chunk_18: &str| {
            format!(
                "import {{ initSync }} from \"./app.js\";\nfunction makeLoad(fetcher, deps) {{ }}\n\
                 /* a, b */\nconst __chunk_18 = makeLoad(() => {{\n{chunk_18}, []);\n\
                 /* a */\nconst __chunk_20 = makeLoad(() => {{\n{}, [__chunk_18]);\n\
                 export const __wasm_split_load_a_1 = wrapAsyncCb(makeLoad(() => {{\n{}, [__chunk_18, __chunk_20]));\n",
                module_loader_body("chunk_20"),
                module_loader_body("split_a_1"),
            )
        };
        let table = loaders_from_a_table(&loader(&module_loader_body("chunk_18"))).unwrap();
        assert_eq!(
            table,
            "import { initSync } from \"./app.js\";\nfunction makeLoad(fetcher, deps) { }\n\
             const loadModule = (name, deps) => makeLoad(() => {\n    const src = chunkResponse(name);\n    \
             src.catch(() => {});\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}\n\
             , deps.map((n) => chunks[n]));\nconst chunks = [];\nfor (const entry of [18,[20,[18]]]) {\n    \
             const [number, deps] = Array.isArray(entry) ? entry : [entry, []];\n    \
             chunks[number] = loadModule(`chunk_${number}`, deps);\n}\n\
             export const __wasm_split_load_a_1 = wrapAsyncCb(loadModule(\"split_a_1\", [18,20]));\n"
        );
        // A loader body other than the known one (here: another module's name) is an error.
        assert!(loaders_from_a_table(&loader(&module_loader_body("chunk_19"))).is_err());
        assert!(
            loaders_from_a_table(&format!("{}console.log(1);\n", loader(&module_loader_body("chunk_18")))).is_err()
        );
    }

    #[test]
    fn every_chunk_fetch_is_rewritten_and_nothing_else() {
        let loader = "const a = () => {\n    const src = fetch(new URL(\"./chunk_16.wasm\", import.meta.url));\n};\nconst b = fetch(new URL(\"./split_3.wasm\", import.meta.url)); // end\n";
        let (patched, count) = take_chunks_from_packs(loader).unwrap();
        assert_eq!(count, 2);
        assert_eq!(
            patched,
            "const a = () => {\n    const src = chunkResponse(\"chunk_16\");\n};\nconst b = chunkResponse(\"split_3\"); // end\n"
        );
    }
}
