import { Inject } from '@nestjs/common';
import type { ControlPlaneConfig } from '@portcullis/config';

export const CONFIG = Symbol('CONFIG');
export type Config = Readonly<ControlPlaneConfig>;
export const InjectConfig = (): ParameterDecorator => Inject(CONFIG);
