/**
 * Pipeline steps, one folder each (issue 8): the step folders found in
 * notebook sources written the way Azure ML's own examples write them
 * (v1 PythonScriptStep / ScriptRunConfig, v2 command and components).
 * Expected folders are read off the sources by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { codeCells } from '../../src/snapshot/companions.js';
import { findStepFolders } from '../../src/snapshot/pipeline-steps.js';
import { notebookJson } from '../e2e/scenario.js';

const V1_PIPELINE = [
  `from azureml.core import Workspace, Experiment, ScriptRunConfig
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep
import os
ws = Workspace.from_config()`,
  `# Each step gets its own folder (a commented-out one does not count):
# PythonScriptStep(script_name="x.py", source_directory="old")
prep_dir = './steps/prep'
train_dir = os.path.join("steps", "train")
prepped = PipelineData("prepped", datastore=ws.get_default_datastore())`,
  `prep_step = PythonScriptStep(
    name="prep",
    script_name="prep.py",
    arguments=["--out", prepped],
    outputs=[prepped],
    compute_target="cpu-cluster",
    source_directory=prep_dir,
    allow_reuse=True,
)
train_step = PythonScriptStep(name="train", script_name="train.py",
                              inputs=[prepped], compute_target="cpu-cluster",
                              source_directory=train_dir)
score_step = PythonScriptStep(name="score", script_name="score.py",
                              source_directory=os.path.join(os.getcwd(), "score"))
pipeline = Pipeline(workspace=ws, steps=[prep_step, train_step, score_step])`,
  `src = ScriptRunConfig('./evaluate/', script='eval.py', compute_target='cpu-cluster')
run = Experiment(ws, 'eval').submit(src)`
];

const V2_PIPELINE = [
  `from azure.ai.ml import MLClient, command, Input, dsl, load_component
from azure.ai.ml.entities import CommandComponent
from azure.identity import DefaultAzureCredential
ml_client = MLClient.from_config(DefaultAzureCredential())`,
  `prep = command(
    name="prep",
    inputs={"raw": Input(type="uri_folder")},
    code="./components/prep/",
    command="python prep.py --raw \${{inputs.raw}}",
    environment="azureml:sklearn-env@latest",
)
train_component = CommandComponent(
    name="train",
    code=r"components\\train",
    command="python train.py",
    environment="azureml:sklearn-env@latest",
)
whole = command(code=".", command="python run_all.py", environment="e@latest")
above = command(code="../shared", command="python x.py", environment="e@latest")`,
  `@dsl.pipeline(compute="cpu-cluster")
def train_pipeline(raw):
    p = prep(raw=raw)
    return {"model": train_component(data=p.outputs.out).outputs.model}
job = ml_client.jobs.create_or_update(train_pipeline(Input(path="azureml:raw:1")))`
];

describe('step folders in notebook sources', () => {
  test('v1: PythonScriptStep and ScriptRunConfig, literals, variables, os.path.join', () => {
    const cells = codeCells(notebookJson(V1_PIPELINE));
    const steps = findStepFolders(cells.join('\n'));
    assert.deepEqual(
      steps.map(s => [s.kind, s.folder]),
      [
        ['PythonScriptStep', 'steps/prep'],
        ['PythonScriptStep', 'steps/train'],
        ['PythonScriptStep', null],
        ['ScriptRunConfig', 'evaluate']
      ]
    );
    // What could not be determined is shown as written.
    assert.equal(steps[2].expression, 'os.path.join(os.getcwd(), "score")');
    assert.ok(steps[0].line > 5, 'lines count from the joined cells');
  });

  test('v2: command(code=…) and components’ code; "." is the notebook’s folder; outside is not determined', () => {
    const steps = findStepFolders(
      codeCells(notebookJson(V2_PIPELINE)).join('\n')
    );
    assert.deepEqual(
      steps.map(s => [s.kind, s.folder]),
      [
        ['command', 'components/prep'],
        // A raw string: on Linux the backslash is part of the name.
        ['component', 'components\\train'],
        ['command', ''],
        ['command', null]
      ]
    );
  });

  test('a notebook without steps has none; a step without a folder is skipped', () => {
    assert.deepEqual(findStepFolders('import pandas as pd\nprint(1)\n'), []);
    assert.deepEqual(
      findStepFolders('step = PythonScriptStep(name="a", script_name="a.py")'),
      []
    );
    assert.deepEqual(
      findStepFolders(
        "s = ScriptRunConfig(source_directory='a/b', script='x.py')"
      ).map(s => s.folder),
      ['a/b']
    );
  });
});
