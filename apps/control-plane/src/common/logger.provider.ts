import { Inject } from '@nestjs/common';

export const LOGGER = Symbol('LOGGER');
export const InjectLogger = (): ParameterDecorator => Inject(LOGGER);
