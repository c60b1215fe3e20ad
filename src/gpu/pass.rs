//! [`GpuPass`]: the fused pass's buffers, pipelines and epoch on a wgpu device ([`super`] says what
//! it computes and why the update stays on the host).

use super::layout::Layout;
use super::shader::{self, WORKGROUP};
use crate::data::Dataset;
use crate::dropout::Dropout;
use crate::rng::SplitMix64;
use crate::shards::{ShardGradients, ShardJob};
use crate::state_dict::ModelShape;

/// The most bytes one of the pass's buffers may take (and at most the device's binding limit): a
/// batch whose tapes or result rows need more runs in chunks.
pub const BUFFER_BUDGET: u64 = 128 << 20;

/// The most bytes the whole batch's tapes and result rows may take: a larger run trains on the CPU,
/// which trains in pieces ([`crate::shards`]).
pub const PASS_LIMIT: u64 = 1 << 30;

/// Bytes between two chunks' uniforms (WebGPU's largest `minUniformBufferOffsetAlignment`).
const UNIFORM_STRIDE: u64 = 256;

/// The fused pass for one run's shape, windows and dropout, with its buffers on the device.
pub struct GpuPass {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: Layout,
    dropout: Dropout,
    batch: usize,
    /// `(first window, windows)` per chunk.
    chunks: Vec<(usize, usize)>,
    train: wgpu::ComputePipeline,
    sum: wgpu::ComputePipeline,
    params: wgpu::Buffer,
    masks: wgpu::Buffer,
    sums: wgpu::Buffer,
    readback: wgpu::Buffer,
    /// Per chunk: the bind group of `train_windows` and of `sum_rows`.
    groups: Vec<(wgpu::BindGroup, wgpu::BindGroup)>,
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

fn bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A WebGPU device of its own for the pass, asking for the adapter's limits as Burn's wgpu runtime
/// does (a larger storage binding means fewer chunks). The pass needs none of that runtime.
pub async fn request_device() -> Result<(wgpu::Device, wgpu::Queue), String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("no WebGPU adapter: {e}"))?;
    adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("GRU Lab fused pass"),
            required_limits: adapter.limits(),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("the WebGPU device did not start: {e}"))
}

impl GpuPass {
    /// The pass for windows of `data` through a model of `shape` with `dropout`, on `device`;
    /// refused (why, in words) when one window's tape or result row cannot fit a buffer.
    pub fn new(
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        shape: ModelShape,
        dropout: Dropout,
        data: &Dataset,
    ) -> Result<GpuPass, String> {
        let (device, queue) = (device.clone(), queue.clone());
        let (batch, steps) = (data.samples(), data.window);
        let layout = Layout::new(shape, steps);
        let total = 4 * (batch * (layout.tape + layout.row)) as u64;
        let limit = BUFFER_BUDGET.min(device.limits().max_storage_buffer_binding_size);
        let per_window = 4 * layout.tape.max(layout.row) as u64;
        let most = (limit / per_window) as usize;
        if total > PASS_LIMIT || most == 0 {
            return Err(format!(
                "this run needs about {:.1} GB of GPU buffers for one training pass (hidden {} × layers {} × window {} × {} windows), more than the GPU pass's {} GB: lower hidden, layers, window or the data (points, samples); the CPU trains it in pieces",
                total as f64 / 1e9,
                shape.hidden,
                shape.layers,
                steps,
                batch,
                PASS_LIMIT >> 30
            ));
        }
        let chunk = most.min(batch.max(1));
        let chunks: Vec<(usize, usize)> = (0..batch.div_ceil(chunk))
            .map(|c| (c * chunk, chunk.min(batch - c * chunk)))
            .collect();
        let source = shader::source(&layout, batch, dropout.active());
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("fused pass"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let (train, sum) = (pipeline("train_windows"), pipeline("sum_rows"));
        use wgpu::BufferUsages as U;
        let buffer = |label: &str, size: u64, usage: U| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(4),
                usage,
                mapped_at_creation: false,
            })
        };
        let filled = |label: &str, values: &[f32]| {
            let b = buffer(label, 4 * values.len() as u64, U::STORAGE | U::COPY_DST);
            queue.write_buffer(&b, 0, &bytes(values));
            b
        };
        let inputs = filled("inputs", &data.inputs);
        let targets = filled("targets", &data.targets);
        let storage = U::STORAGE | U::COPY_DST;
        let params = buffer("params", 4 * layout.params as u64, storage);
        let masks_len = dropout.draws(batch, steps);
        let masks = buffer("masks", 4 * masks_len, storage);
        let tape = buffer("tape", 4 * (chunk * layout.tape) as u64, U::STORAGE);
        let rows = buffer("rows", 4 * (chunk * layout.row) as u64, U::STORAGE);
        let row_bytes = 4 * layout.row as u64;
        let sums = buffer("sums", row_bytes, U::STORAGE | U::COPY_SRC);
        let readback = buffer("readback", row_bytes, U::MAP_READ | U::COPY_DST);
        let uniforms = buffer(
            "chunks",
            UNIFORM_STRIDE * chunks.len() as u64,
            U::UNIFORM | U::COPY_DST,
        );
        for (c, &(first, windows)) in chunks.iter().enumerate() {
            let words = [first as u32, windows as u32, u32::from(c == 0), 0];
            let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            queue.write_buffer(&uniforms, c as u64 * UNIFORM_STRIDE, &data);
        }
        let groups = (0..chunks.len() as u64)
            .map(|c| {
                let chunk_entry = wgpu::BindGroupEntry {
                    binding: 6,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &uniforms,
                        offset: c * UNIFORM_STRIDE,
                        size: wgpu::BufferSize::new(16),
                    }),
                };
                let train_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("train_windows"),
                    layout: &train.get_bind_group_layout(0),
                    entries: &[
                        entry(0, &params),
                        entry(1, &inputs),
                        entry(2, &targets),
                        entry(3, &masks),
                        entry(4, &tape),
                        entry(5, &rows),
                        chunk_entry.clone(),
                    ],
                });
                let sum_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("sum_rows"),
                    layout: &sum.get_bind_group_layout(0),
                    entries: &[entry(5, &rows), chunk_entry, entry(7, &sums)],
                });
                (train_group, sum_group)
            })
            .collect();
        Ok(GpuPass {
            device,
            queue,
            layout,
            dropout,
            batch,
            chunks,
            train,
            sum,
            params,
            masks,
            sums,
            readback,
            groups,
        })
    }

    /// The whole batch's part of the epoch `job` describes: its `Σ (ŷ − y)²`, gradients and gradient
    /// through time, as one shard of the host's fused path would return them. Fails (why, in words)
    /// when the device does: lost, out of memory, or a shader it refused.
    pub async fn compute(&mut self, job: &ShardJob) -> Result<ShardGradients, String> {
        let (batch, steps) = (self.batch, self.layout.steps);
        self.queue
            .write_buffer(&self.params, 0, &bytes(&job.params.to_flat()));
        if self.dropout.active() {
            let stream = SplitMix64::new(job.dropout_stream);
            let masks = self.dropout.masks(batch, steps, 0..batch, &stream);
            self.queue
                .write_buffer(&self.masks, 0, &bytes(&masks.concat()));
        }
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("fused epoch"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("fused epoch"),
                timestamp_writes: None,
            });
            let groups = |n: usize| (n as u32).div_ceil(WORKGROUP);
            for (&(_, windows), (train_group, sum_group)) in self.chunks.iter().zip(&self.groups) {
                pass.set_pipeline(&self.train);
                pass.set_bind_group(0, train_group, &[]);
                pass.dispatch_workgroups(groups(windows), 1, 1);
                pass.set_pipeline(&self.sum);
                pass.set_bind_group(0, sum_group, &[]);
                pass.dispatch_workgroups(groups(self.layout.row), 1, 1);
            }
        }
        let size = 4 * self.layout.row as u64;
        encoder.copy_buffer_to_buffer(&self.sums, 0, &self.readback, 0, size);
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = async_channel::bounded(1);
        self.readback
            .map_async(wgpu::MapMode::Read, .., move |mapped| {
                let _ = sender.try_send(mapped);
            });
        // Scopes pop in the reverse order of their pushes.
        if let Some(error) = memory.pop().await {
            return Err(format!("the GPU ran out of memory: {error}"));
        }
        if let Some(error) = validation.pop().await {
            return Err(format!("the GPU refused the fused pass: {error}"));
        }
        receiver
            .recv()
            .await
            .map_err(|_| "the GPU never answered".to_string())?
            .map_err(|e| format!("the GPU's results could not be read: {e}"))?;
        let values: Vec<f32> = {
            let view = self
                .readback
                .get_mapped_range(..)
                .map_err(|e| format!("the GPU's results could not be read: {e:?}"))?;
            view.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        };
        self.readback.unmap();
        let layout = &self.layout;
        let mut sums = vec![
            values[layout.squared_error] as f64,
            (batch * layout.shape.hidden) as f64,
        ];
        sums.extend(values[layout.squared_error + 1..].iter().map(|&v| v as f64));
        ShardGradients::from_parts(layout.shape, steps, &sums, &values[..layout.params])
            .ok_or_else(|| "the GPU's results do not fit the model".to_string())
    }
}
