#!/usr/bin/env python3
"""Summarises an async-profiler 'collapsed' profile of bin/bench: where the engine's worker threads spend their
samples (CPU or wall time, or allocated bytes), by phase of the loop, and the top frames inside them.

usage: phases.py PROFILE.collapsed [TOP]
"""
import collections
import re
import sys

# A worker thread is named inferstream-<group>-<index>; the producer's I/O thread has a '|' in its name.
WORKER = re.compile(r'\[inferstream-[A-Za-z0-9_.-]+-\d+ tid=')
# First match wins: a stack is counted in the first phase whose frame it contains.
PHASES = [
    ('KafkaProducer.flush', 'producer flush (waiting for acknowledgements)'),
    ('commitSync', 'commitSync'),
    ('commitAsync', 'commitAsync'),
    ('commitTransaction', 'commitTransaction'),
    ('JsonPredictionEncoder', 'encode the prediction (JSON)'),
    ('RecordDecoder.decode', 'decode the record'),
    ('TimedModel.predict', 'model'),
    ('KafkaProducer.send', 'producer.send'),
    ('KafkaConsumer.poll', 'consumer.poll'),
    ('ScoringPipeline', 'pipeline, other (routing, results)'),
    ('InferenceWorker', 'worker, other'),
]


def phase(frames):
    for key, label in PHASES:
        if any(key in f for f in frames):
            return label
    return 'other'


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    by_phase = collections.Counter()
    self_frames = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip('\n').rpartition(' ')
        frames = stack.split(';')
        if not WORKER.match(frames[0]):
            continue
        n = int(count)
        total += n
        by_phase[phase(frames)] += n
        self_frames[frames[-1]] += n
    if total == 0:
        sys.exit('no samples of engine worker threads in ' + path)
    print(f'engine worker threads: {total} samples')
    print('| phase | share |')
    print('|---|---:|')
    for label, n in by_phase.most_common():
        print(f'| {label} | {100 * n / total:.1f}% |')
    print()
    print('| top frame (self) | share |')
    print('|---|---:|')
    for frame, n in self_frames.most_common(top):
        print(f'| `{frame.replace("/", ".")}` | {100 * n / total:.1f}% |')


if __name__ == '__main__':
    main()
