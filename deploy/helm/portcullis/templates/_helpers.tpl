{{- define "portcullis.labels" -}}
app.kubernetes.io/name: portcullis
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "portcullis.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{- define "portcullis.commonEnv" -}}
- name: REDIS_URL
  valueFrom: { secretKeyRef: { name: {{ .Values.redisUrlSecret.name }}, key: {{ .Values.redisUrlSecret.key }} } }
- name: PORTCULLIS_REDIS_PREFIX
  value: {{ .Values.redisPrefix | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end }}

{{- define "portcullis.secretEnv" -}}
{{- $root := index . 0 -}}
{{- range $name := index . 1 }}
- name: {{ $name }}
  valueFrom: { secretKeyRef: { name: {{ $root.Values.appSecret }}, key: {{ $name }} } }
{{- end }}
{{- end }}
