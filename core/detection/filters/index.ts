/** Tuning: Sigma filter documents (applied by the engine) and analyst exceptions (checked before alerting). */
export {
  bindFilters,
  compileFilter,
  filterAppliesTo,
  filterCoversLogsource,
  filterNamesRule,
  isFilterDocument,
  passesFilters,
  type CompiledFilter,
  type CompileFilterOptions,
  type FilterBindingProblem,
} from './sigma-filter.js';
export {
  compileExceptionMatcher,
  compileExceptions,
  DEFAULT_USER_FIELDS,
  exceptionSchema,
  parseExceptions,
  type CompileExceptionsOptions,
  type Exception,
  type ExceptionCheck,
  type ExceptionEvent,
} from './exceptions.js';
