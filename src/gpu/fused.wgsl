// The fused training pass on the GPU: the whole model's forward pass and its backward pass through
// time for one window per invocation, the same algorithm as src/bptt.rs (which derives it) with the
// batch dimension taken away, then a second entry point that adds the windows' results up in window
// order. src/gpu/shader.rs puts in front of this file the layout's constants (H, G, T, L, the
// offsets of src/gpu/layout.rs) and appends the cell's step (its `cell_forward` and
// `cell_backward`, from the cell's own file) and `recurrent_input`.
//
// Offsets into `tape` are relative to this window's part of it (`at`, `put`); parameters are read
// from `params` at the layout's offsets; `rows` gets one result row per window of the chunk.

struct Chunk {
    // The chunk's first window in the batch, its window count, and 1 for the first chunk of the
    // epoch (the sums start there) or 0.
    first_window: u32,
    windows: u32,
    first: u32,
    unused: u32,
}

@group(0) @binding(0) var<storage, read> params: array<f32>;
// [B, T, I0], batch-major, and [B].
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
// One inverted-dropout mask [B, T, H] per layer but the last (one unused value when there is none).
@group(0) @binding(3) var<storage, read> masks: array<f32>;
@group(0) @binding(4) var<storage, read_write> tape: array<f32>;
@group(0) @binding(5) var<storage, read_write> rows: array<f32>;
@group(0) @binding(6) var<uniform> chunk: Chunk;
// The epoch's sums of every window's row (the `sum_rows` entry point only).
@group(0) @binding(7) var<storage, read_write> sums: array<f32>;

// This invocation's window in the batch, its tape and its result row, and the layer being run.
var<private> win: u32;
var<private> tape_base: u32;
var<private> row_base: u32;
var<private> layer: u32;

fn at(offset: u32) -> f32 {
    return tape[tape_base + offset];
}

fn put(offset: u32, value: f32) {
    tape[tape_base + offset] = value;
}

/// Adds `value` to this window's result at `offset`.
fn gather(offset: u32, value: f32) {
    rows[row_base + offset] += value;
}

fn sigmoid(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}

/// tanh(x) = 2σ(2x) − 1, as src/kernels.rs computes it (finite for every finite x).
fn tanh_(x: f32) -> f32 {
    return 2.0 / (1.0 + exp(-2.0 * x)) - 1.0;
}

/// `out[g] = b_h[g] + Σ_j tape[source + j]·U[j, g]` for the columns g of blocks `first..end`:
/// the recurrent product of the current layer (FusedWeights::project for one window).
fn project(source: u32, first: u32, end: u32, out: u32) {
    for (var g = first * H; g < end * H; g++) {
        var sum = 0.0;
        if (HIDDEN_BIAS) {
            sum = params[B_HIDDEN[layer] + g];
        }
        for (var j = 0u; j < H; j++) {
            sum += at(source + j) * params[W_HIDDEN[layer] + j * GH + g];
        }
        put(out + g, sum);
    }
}

/// `out[j] (+)= Σ_g tape[d + g]·U[j, g]` over the columns g of blocks `first..end`: `dh = dĥ·Uᵀ`
/// (FusedWeights::project_back for one window).
fn project_back(d: u32, first: u32, end: u32, out: u32, accumulate: bool) {
    for (var j = 0u; j < H; j++) {
        var sum = 0.0;
        if (accumulate) {
            sum = at(out + j);
        }
        for (var g = first * H; g < end * H; g++) {
            sum += at(d + g) * params[W_HIDDEN[layer] + j * GH + g];
        }
        put(out + j, sum);
    }
}

/// Input `i` of layer `l` at step `t`: the window's value, or the layer below's h_t through its
/// dropout mask.
fn layer_input(l: u32, t: u32, i: u32) -> f32 {
    if (l == 0u) {
        return inputs[(win * T + t) * INPUTS + i];
    }
    let below = at(STATES[l - 1u] + (t + 1u) * H + i);
    if (DROPOUT) {
        return below * masks[(((l - 1u) * BATCH + win) * T + t) * H + i];
    }
    return below;
}

/// The saved planes of the current layer at step t.
fn saved_at(t: u32) -> u32 {
    return SAVED[layer] + t * SAVED_PLANES * H;
}

/// The forward pass of one window: every layer over every step, then the head. Returns ŷ.
fn forward() -> f32 {
    for (var l = 0u; l < L; l++) {
        layer = l;
        for (var j = 0u; j < H; j++) {
            put(STATES[l] + j, 0.0);
            if (MEMORY) {
                put(MEMORY_STATES[l] + j, 0.0);
            }
        }
        for (var t = 0u; t < T; t++) {
            // x̂ = x_t·W + b
            for (var g = 0u; g < GH; g++) {
                var sum = params[B_INPUT[l] + g];
                for (var i = 0u; i < INPUT_WIDTH[l]; i++) {
                    sum += layer_input(l, t, i) * params[W_INPUT[l] + i * GH + g];
                }
                put(X_PROJ + g, sum);
            }
            cell_forward(X_PROJ, STATES[l] + t * H, MEMORY_STATES[l] + t * H,
                STATES[l] + (t + 1u) * H, MEMORY_STATES[l] + (t + 1u) * H, saved_at(t), RECURRENT);
        }
    }
    var prediction = params[FC_BIAS];
    for (var j = 0u; j < H; j++) {
        prediction += at(STATES[L - 1u] + T * H + j) * params[FC_WEIGHT + j];
    }
    return prediction;
}

/// BPTT through the current layer from the gradient at its outputs (`d_out`, `[T, H]`): its
/// parameters' gradients and gradient through time into the result row, and the gradient at the
/// layer below's outputs (through their dropout mask) into `d_below`.
fn backward_layer(d_out: u32, d_below: u32) {
    let l = layer;
    for (var j = 0u; j < H; j++) {
        put(D_STATE + j, 0.0);
        put(D_MEMORY + j, 0.0);
        put(SURVIVE + j, 1.0);
    }
    for (var t = T; t > 0u; ) {
        t--;
        // d_state is now the total dL/dh_t: from step t + 1 and from the layer above (or the head).
        var squares = 0.0;
        for (var j = 0u; j < H; j++) {
            let d = at(D_STATE + j) + at(d_out + t * H + j);
            put(D_STATE + j, d);
            squares += d * d;
        }
        gather(FLOW[l] + t, squares);
        cell_backward(D_STATE, D_MEMORY, STATES[l] + t * H, STATES[l] + (t + 1u) * H,
            MEMORY_STATES[l] + t * H, MEMORY_STATES[l] + (t + 1u) * H, saved_at(t), D_X_PROJ,
            D_RECURRENT, D_PREVIOUS, D_MEMORY_TOTAL, SCRATCH);
        if (MEMORY) {
            var squares_c = 0.0;
            for (var j = 0u; j < H; j++) {
                squares_c += at(D_MEMORY_TOTAL + j) * at(D_MEMORY_TOTAL + j);
            }
            gather(FLOW[l] + T + t, squares_c);
        }
        if (KEEP) {
            // The gate highway: Σ_units ∏_{s>t} k_s (gradient_flow::gate_highway).
            var kept = 0.0;
            for (var j = 0u; j < H; j++) {
                kept += at(SURVIVE + j);
                var k = at(saved_at(t) + KEEP_PLANE * H + j);
                if (KEEP_COMPLEMENT) {
                    k = 1.0 - k;
                }
                put(SURVIVE + j, at(SURVIVE + j) * k);
            }
            gather(FLOW[l] + KEEP_SERIES * T + t, kept);
        }
        // dW += x_tᵀ·dx̂, db += dx̂; dU += inputᵀ·dĥ, db_h += dĥ.
        for (var g = 0u; g < GH; g++) {
            let dx = at(D_X_PROJ + g);
            var dh = dx;
            if (SEPARATE_RECURRENT_GRADIENT) {
                dh = at(D_RECURRENT + g);
            }
            gather(B_INPUT[l] + g, dx);
            for (var i = 0u; i < INPUT_WIDTH[l]; i++) {
                gather(W_INPUT[l] + i * GH + g, layer_input(l, t, i) * dx);
            }
            if (HIDDEN_BIAS) {
                gather(B_HIDDEN[l] + g, dh);
            }
            for (var j = 0u; j < H; j++) {
                gather(W_HIDDEN[l] + j * GH + g, recurrent_input(g, t, j) * dh);
            }
        }
        // dx = dx̂·Wᵀ, through the layer below's dropout mask.
        if (l > 0u) {
            for (var i = 0u; i < H; i++) {
                var sum = 0.0;
                for (var g = 0u; g < GH; g++) {
                    sum += at(D_X_PROJ + g) * params[W_INPUT[l] + i * GH + g];
                }
                if (DROPOUT) {
                    sum *= masks[(((l - 1u) * BATCH + win) * T + t) * H + i];
                }
                put(d_below + t * H + i, sum);
            }
        }
        for (var j = 0u; j < H; j++) {
            put(D_STATE + j, at(D_PREVIOUS + j));
        }
    }
}

/// One window of the chunk per invocation: its forward pass, loss and backward pass; its result row
/// holds its gradients (its share of the batch's mean, dL/dŷ = 2(ŷ − y)/B), its squared error and
/// its gradient through time.
@compute @workgroup_size(WORKGROUP)
fn train_windows(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= chunk.windows) {
        return;
    }
    win = chunk.first_window + id.x;
    tape_base = id.x * TAPE;
    row_base = id.x * ROW;
    for (var k = 0u; k < ROW; k++) {
        rows[row_base + k] = 0.0;
    }
    let error = forward() - targets[win];
    gather(SQUARED_ERROR, error * error);
    let d_prediction = 2.0 * error / f32(BATCH);
    gather(FC_BIAS, d_prediction);
    let top = L - 1u;
    for (var j = 0u; j < H; j++) {
        gather(FC_WEIGHT + j, d_prediction * at(STATES[top] + T * H + j));
    }
    for (var k = 0u; k < T * H; k++) {
        put(D_OUTPUTS[top % 2u] + k, 0.0);
    }
    for (var j = 0u; j < H; j++) {
        put(D_OUTPUTS[top % 2u] + (T - 1u) * H + j, d_prediction * params[FC_WEIGHT + j]);
    }
    for (var l = L; l > 0u; ) {
        l--;
        layer = l;
        backward_layer(D_OUTPUTS[l % 2u], D_OUTPUTS[(l + 1u) % 2u]);
    }
}

/// One value of the result row per invocation: the chunk's windows added in window order, onto the
/// earlier chunks' sums.
@compute @workgroup_size(WORKGROUP)
fn sum_rows(@builtin(global_invocation_id) id: vec3<u32>) {
    let k = id.x;
    if (k >= ROW) {
        return;
    }
    var sum = 0.0;
    if (chunk.first == 0u) {
        sum = sums[k];
    }
    for (var w = 0u; w < chunk.windows; w++) {
        sum += rows[w * ROW + k];
    }
    sums[k] = sum;
}
