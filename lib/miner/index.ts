/** The miner: check, preview and publish a dataset. Uses dataset, evaluate, chain and hub; never the validator. */
export { MinerError, type MinerErrorCode } from './errors.js'
export { checkDataset, readAndCheckDataset, type CheckDatasetOptions, type CheckedDataset, type DatasetReport } from './dataset-file.js'
export { previewDataset, DEFAULT_PREVIEW_DRAWS, type PreviewOptions, type PreviewResult, type PreviewRun, type PreviewSeeds } from './preview.js'
export { submitDataset, DATASET_FILE_IN_REPO, type SubmitOptions, type SubmitResult } from './submit.js'
export { selectRows, type SelectOptions, type SelectResult, type SelectCandidate } from './select.js'
export { createProgressReporter, type ProgressReporter, type PreviewProgress } from './progress.js'
export { formatDatasetReport, formatPreview, formatSubmit, type PreviewShown } from './format.js'
