//! Two kernels of GRU Lab's fused GPU pass (src/gpu/fused.wgsl) written as CubeCL `#[cube]` kernels:
//! one GRU layer's forward pass over a window (torch.nn.GRU's step, src/cells/gru_torch.rs's
//! `cell_forward` with `project`), and `sum_rows` (the windows' rows added in window order). Built
//! only to compare module size and clarity with the WGSL the lab ships (issue 18): ../compare.sh.
use cubecl::prelude::*;
use cubecl::wgpu::WgpuDevice;
use wasm_bindgen::prelude::*;

#[cube]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// tanh(x) = 2σ(2x) − 1.
#[cube]
fn tanh_(x: f32) -> f32 {
    let twice = x * 2.0;
    2.0 / (1.0 + (-twice).exp()) - 1.0
}

/// `out[g] = b_h[g] + Σ_j tape[base + source + j]·U[j, g]` over the 3H columns.
#[cube]
fn project(
    tape: &mut [f32],
    params: &[f32],
    base: usize,
    source: usize,
    out: usize,
    #[comptime] h: usize,
) {
    let w_hidden = 3 * h;
    let b_hidden = w_hidden + 3 * h * h;
    for g in 0..3 * h {
        let mut sum = params[b_hidden + g];
        for j in 0..h {
            sum += tape[base + source + j] * params[w_hidden + j * 3 * h + g];
        }
        tape[base + out + g] = sum;
    }
}

/// One GRU layer (input size 1) over `steps` values of one window per invocation. Parameters:
/// `W_i` [3H] then `U` [H, 3H] then `b_h` [3H] then `b_i` [3H]. Tape per window: the states
/// [T + 1, H], the recurrent products [3H], the saved r, z, n, ĥ_n [T, 4H].
#[cube(launch)]
fn gru_layer_forward(
    params: &[f32],
    inputs: &[f32],
    tape: &mut [f32],
    windows: u32,
    #[comptime] h: usize,
    #[comptime] steps: usize,
) {
    let win = ABSOLUTE_POS;
    if win >= windows as usize {
        terminate!();
    }
    let recurrent = (steps + 1) * h;
    let saved = recurrent + 3 * h;
    let base = win * (saved + steps * 4 * h);
    let b_input = 3 * h + 3 * h * h + 3 * h;
    for j in 0..h {
        tape[base + j] = 0.0;
    }
    for t in 0..steps {
        let x = inputs[win * steps + t];
        let previous = t * h;
        let next = (t + 1) * h;
        let s = saved + t * 4 * h;
        // ĥ = h_{t−1}·U + b_h, all three blocks.
        project(tape, params, base, previous, recurrent, h);
        for j in 0..h {
            let xr = x * params[j] + params[b_input + j];
            let xz = x * params[h + j] + params[b_input + h + j];
            let xn = x * params[2 * h + j] + params[b_input + 2 * h + j];
            let r = sigmoid(xr + tape[base + recurrent + j]);
            let z = sigmoid(xz + tape[base + recurrent + h + j]);
            let hn = tape[base + recurrent + 2 * h + j];
            let n = tanh_(xn + r * hn);
            tape[base + s + j] = r;
            tape[base + s + h + j] = z;
            tape[base + s + 2 * h + j] = n;
            tape[base + s + 3 * h + j] = hn;
            tape[base + next + j] = (1.0 - z) * n + z * tape[base + previous + j];
        }
    }
}

/// `sums[k] (+)= Σ_w rows[w·row + k]`, in window order; `first` = 1 starts the sums.
#[cube(launch)]
fn sum_rows(rows: &[f32], sums: &mut [f32], windows: u32, first: u32, #[comptime] row: usize) {
    let k = ABSOLUTE_POS;
    if k >= row {
        terminate!();
    }
    let mut sum = 0.0;
    if first == 0 {
        sum = sums[k];
    }
    for w in 0..windows as usize {
        sum += rows[w * row + k];
    }
    sums[k] = sum;
}

/// Runs both kernels once on the page's WebGPU device; returns the windows' tapes summed.
#[wasm_bindgen]
pub async fn run(
    params: Vec<f32>,
    inputs: Vec<f32>,
    hidden: usize,
    steps: usize,
) -> Result<Vec<f32>, JsValue> {
    let device = WgpuDevice::default();
    // On wasm the runtime is brought up asynchronously first; the client then finds it registered.
    cubecl::wgpu::init_setup_async::<cubecl::wgpu::AutoGraphicsApi>(&device, Default::default())
        .await;
    let client = cubecl::Device::from(device).client();
    let windows = inputs.len() / steps;
    let per_window = (steps + 1) * hidden + 3 * hidden + steps * 4 * hidden;
    let params = client.create_from_slice(f32::as_bytes(&params));
    let inputs_handle = client.create_from_slice(f32::as_bytes(&inputs));
    let tape = client.empty(windows * per_window * 4);
    let sums = client.empty(per_window * 4);
    let workgroup = 64;
    let groups = windows.div_ceil(workgroup) as u32;
    gru_layer_forward::launch(
        &client,
        CubeCount::Static(groups, 1, 1),
        CubeDim::new_1d(workgroup as u32),
        unsafe { BufferArg::from_raw_parts(params, 3 * hidden * (hidden + 3)) },
        unsafe { BufferArg::from_raw_parts(inputs_handle, inputs.len()) },
        unsafe { BufferArg::from_raw_parts(tape.clone(), windows * per_window) },
        windows as u32,
        hidden,
        steps,
    );
    sum_rows::launch(
        &client,
        CubeCount::Static(per_window.div_ceil(workgroup) as u32, 1, 1),
        CubeDim::new_1d(workgroup as u32),
        unsafe { BufferArg::from_raw_parts(tape, windows * per_window) },
        unsafe { BufferArg::from_raw_parts(sums.clone(), per_window) },
        windows as u32,
        1,
        per_window,
    );
    let bytes = client
        .read_async(vec![sums])
        .await
        .map_err(|e| JsValue::from_str(&format!("{e:?}")))?;
    Ok(f32::from_bytes(&bytes[0]).to_vec())
}
