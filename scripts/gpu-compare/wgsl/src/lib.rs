//! The twin of ../cube: the same two kernels in WGSL, dispatched with wgpu alone (as GRU Lab's
//! src/gpu/pass.rs does), to compare module size with the CubeCL version.
use wasm_bindgen::prelude::*;

const SHADER: &str = r"
override H: u32 = 32u;
override T: u32 = 10u;
override ROW: u32 = 1u;
@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> tape: array<f32>;
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;
@group(0) @binding(4) var<uniform> windows: u32;
var<private> base: u32;

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn tanh_(x: f32) -> f32 { return 2.0 / (1.0 + exp(-2.0 * x)) - 1.0; }

fn project(source: u32, out: u32) {
    let b_hidden = 3u * H + 3u * H * H;
    for (var g = 0u; g < 3u * H; g++) {
        var sum = params[b_hidden + g];
        for (var j = 0u; j < H; j++) {
            sum += tape[base + source + j] * params[3u * H + j * 3u * H + g];
        }
        tape[base + out + g] = sum;
    }
}

@compute @workgroup_size(64)
fn gru_layer_forward(@builtin(global_invocation_id) id: vec3<u32>) {
    let win = id.x;
    if (win >= windows) { return; }
    let recurrent = (T + 1u) * H;
    let saved = recurrent + 3u * H;
    base = win * (saved + T * 4u * H);
    let b_input = 3u * H + 3u * H * H + 3u * H;
    for (var j = 0u; j < H; j++) { tape[base + j] = 0.0; }
    for (var t = 0u; t < T; t++) {
        let x = inputs[win * T + t];
        let previous = t * H;
        let next = (t + 1u) * H;
        let s = saved + t * 4u * H;
        project(previous, recurrent);
        for (var j = 0u; j < H; j++) {
            let r = sigmoid(x * params[j] + params[b_input + j] + tape[base + recurrent + j]);
            let z = sigmoid(x * params[H + j] + params[b_input + H + j] + tape[base + recurrent + H + j]);
            let hn = tape[base + recurrent + 2u * H + j];
            let n = tanh_(x * params[2u * H + j] + params[b_input + 2u * H + j] + r * hn);
            tape[base + s + j] = r;
            tape[base + s + H + j] = z;
            tape[base + s + 2u * H + j] = n;
            tape[base + s + 3u * H + j] = hn;
            tape[base + next + j] = (1.0 - z) * n + z * tape[base + previous + j];
        }
    }
}

@compute @workgroup_size(64)
fn sum_rows(@builtin(global_invocation_id) id: vec3<u32>) {
    let k = id.x;
    if (k >= ROW) { return; }
    var sum = 0.0;
    for (var w = 0u; w < windows; w++) { sum += tape[w * ROW + k]; }
    sums[k] = sum;
}
";

fn bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Runs both kernels once on the page's WebGPU device; returns the windows' tapes summed.
#[wasm_bindgen]
pub async fn run(
    params: Vec<f32>,
    inputs: Vec<f32>,
    hidden: usize,
    steps: usize,
) -> Result<Vec<f32>, JsValue> {
    use wgpu::util::DeviceExt;
    let err = |e: String| JsValue::from_str(&e);
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = instance
        .request_adapter(&Default::default())
        .await
        .map_err(|e| err(e.to_string()))?;
    let (device, queue) = adapter
        .request_device(&Default::default())
        .await
        .map_err(|e| err(e.to_string()))?;
    let windows = inputs.len() / steps;
    let per_window = (steps + 1) * hidden + 3 * hidden + steps * 4 * hidden;
    let storage =
        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
    let init = |contents: &[u8], usage| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: None,
            contents,
            usage,
        })
    };
    let params = init(&bytes(&params), storage);
    let inputs = init(&bytes(&inputs), storage);
    let windows_uniform = init(&(windows as u32).to_le_bytes(), wgpu::BufferUsages::UNIFORM);
    let empty = |size: usize, usage| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: size as u64,
            usage,
            mapped_at_creation: false,
        })
    };
    let tape = empty(windows * per_window * 4, storage);
    let sums = empty(per_window * 4, storage);
    let readback = empty(
        per_window * 4,
        wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
    );
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: None,
        source: wgpu::ShaderSource::Wgsl(SHADER.into()),
    });
    let constants = [
        ("H", hidden as f64),
        ("T", steps as f64),
        ("ROW", per_window as f64),
    ];
    let pipeline = |entry: &str| {
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: None,
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            cache: None,
        })
    };
    let (forward, sum) = (pipeline("gru_layer_forward"), pipeline("sum_rows"));
    let buffers = [&params, &inputs, &tape, &sums, &windows_uniform];
    let group = |p: &wgpu::ComputePipeline, used: &[usize]| {
        let layout = p.get_bind_group_layout(0);
        let entries: Vec<_> = used
            .iter()
            .map(|&i| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: buffers[i].as_entire_binding(),
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        })
    };
    let (forward_group, sum_group) = (group(&forward, &[0, 1, 2, 4]), group(&sum, &[2, 3, 4]));
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&forward);
        pass.set_bind_group(0, &forward_group, &[]);
        pass.dispatch_workgroups(windows.div_ceil(64) as u32, 1, 1);
        pass.set_pipeline(&sum);
        pass.set_bind_group(0, &sum_group, &[]);
        pass.dispatch_workgroups(per_window.div_ceil(64) as u32, 1, 1);
    }
    encoder.copy_buffer_to_buffer(&sums, 0, &readback, 0, (per_window * 4) as u64);
    queue.submit([encoder.finish()]);
    let (send, receive) = async_channel::bounded(1);
    readback.slice(..).map_async(wgpu::MapMode::Read, move |r| {
        let _ = send.try_send(r);
    });
    receive
        .recv()
        .await
        .map_err(|e| err(e.to_string()))?
        .map_err(|e| err(e.to_string()))?;
    let data = readback
        .slice(..)
        .get_mapped_range()
        .map_err(|e| err(format!("{e:?}")))?;
    Ok(data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
