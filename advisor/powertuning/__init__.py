"""AWS Lambda Power Tuning interoperability (docs/powertuning.md).

Power Tuning (alexcasalboni/aws-lambda-power-tuning) runs a function a few times at each of a
list of memory sizes and reports the mean duration and cost of each. advisor reads its results
(the state machine's output JSON and its visualization URL: :mod:`.output`, :mod:`.url`) into
the workspace (:mod:`.importing`), uses them as evidence for its models and recommendation
(:mod:`.evidence`), and writes its own measurements as such a URL (:mod:`.export`).
"""
